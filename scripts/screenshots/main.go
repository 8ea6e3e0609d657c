// Command screenshots remakes the README's pictures from the demo: the
// status page at the exporter's / and the first page of the governance
// pack, printed by `sems_exporter report --pdf`. It needs Chromium and
// poppler-utils (pdftoppm). Run it from the repository's root:
//
//	go run ./scripts/screenshots
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/pack"
)

const imagesDir = "docs/images"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

func run() error {
	if _, err := pack.Chromium(); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "sems-screenshots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	binary := filepath.Join(tmp, "sems_exporter")
	if err := command("go", "build", "-o", binary, "./cmd/sems_exporter"); err != nil {
		return err
	}
	if err := os.MkdirAll(imagesDir, 0o755); err != nil {
		return err
	}
	if err := statusPage(binary); err != nil {
		return err
	}
	return packPage(binary, tmp)
}

// statusPage serves the demo and screenshots its status page.
func statusPage(binary string) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	exporter := exec.Command(binary, "--demo", "--log.level=warn", "--web.listen-address="+addr)
	if err := exporter.Start(); err != nil {
		return err
	}
	defer func() {
		exporter.Process.Signal(os.Interrupt)
		exporter.Wait()
	}()
	url := "http://" + addr + "/"
	if err := waitCollected(url + "metrics"); err != nil {
		return err
	}
	out := filepath.Join(imagesDir, "status-page.png")
	if err := pack.RunChromium("--hide-scrollbars", "--window-size=1280,1180", "--screenshot="+out, url); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	fmt.Println("wrote", out)
	return nil
}

// waitCollected waits until every family's collection has succeeded.
func waitCollected(metrics string) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(metrics); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !failing.Match(body) && bytes.Contains(body, []byte("\nsems_collection_success{")) {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("the exporter at %s did not collect every family within a minute", metrics)
}

// failing matches a family whose collection has not succeeded (yet).
var failing = regexp.MustCompile(`(?m)^sems_collection_success\{.*\} 0$`)

// packPage makes the demo's pack with its PDF and rasterises its first page.
func packPage(binary, tmp string) error {
	dir := filepath.Join(tmp, "pack")
	if err := command(binary, "report", "--demo", "--log.level=warn", "--pdf", "--output="+dir); err != nil {
		return err
	}
	pdfs, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(pdfs) != 1 {
		return fmt.Errorf("the report wrote %d PDFs", len(pdfs))
	}
	out := filepath.Join(imagesDir, "pack-page")
	if err := command("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdfs[0], out); err != nil {
		return err
	}
	fmt.Println("wrote", out+".png")
	return nil
}

func command(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	if out, err := cmd.Output(); err != nil {
		return fmt.Errorf("%s: %v\n%s", name, err, out)
	}
	return nil
}
