package pack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/figures"
)

// Manifest lets a pack shown to a board be verified later: the hash of
// each file, of the configuration, the exporter that made it and the data
// it was made from.
type Manifest struct {
	Period            string                 `json:"period"`
	Generated         string                 `json:"generated"`
	AsAt              string                 `json:"as_at"`
	Version           string                 `json:"exporter_version"`
	Revision          string                 `json:"exporter_revision"`
	ConfigSHA256      string                 `json:"config_sha256"`
	IncludeRestricted bool                   `json:"include_restricted"`
	Files             map[string]string      `json:"files_sha256"`
	Families          map[string]FamilyCount `json:"records"`
	Unfilled          []string               `json:"unfilled"`
}

// FamilyCount is what a family's collection read and rejected.
type FamilyCount struct {
	Read     float64            `json:"read"`
	Rejected map[string]float64 `json:"rejected"`
}

// Files names the pack's files for a period.
func Files(period string) (html, csv, pdf string) {
	base := "sems-governance-pack-" + period
	return base + ".html", base + ".csv", base + ".pdf"
}

// Write writes the pack's HTML and CSV into dir, the PDF too when pdf is
// true, and the manifest of them all. configSHA256 is the hash of the
// configuration the figures were collected with.
func Write(dir string, p *Pack, f *figures.Figures, o Options, configSHA256 string, pdf bool) (*Manifest, error) {
	htmlName, csvName, pdfName := Files(p.Period)
	page, err := p.HTML()
	if err != nil {
		return nil, err
	}
	table, err := p.CSV()
	if err != nil {
		return nil, err
	}
	m := &Manifest{Period: p.Period, Generated: p.Generated, AsAt: o.AsAt.UTC().Format(time.RFC3339),
		Version: o.Version, Revision: o.Revision, ConfigSHA256: configSHA256, IncludeRestricted: o.IncludeRestricted,
		Files: map[string]string{}, Families: map[string]FamilyCount{}, Unfilled: p.Unfilled}
	for name, body := range map[string][]byte{htmlName: page, csvName: table} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			return nil, err
		}
		m.Files[name] = hash(body)
	}
	if pdf {
		if err := PrintPDF(filepath.Join(dir, htmlName), filepath.Join(dir, pdfName)); err != nil {
			return nil, err
		}
		body, err := os.ReadFile(filepath.Join(dir, pdfName))
		if err != nil {
			return nil, err
		}
		m.Files[pdfName] = hash(body)
	}
	for _, h := range f.Families {
		c := FamilyCount{Read: h.Records, Rejected: map[string]float64{}}
		for _, r := range h.Rejected {
			c.Rejected[r.Reason] = r.Count
		}
		m.Families[h.Family] = c
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return m, os.WriteFile(filepath.Join(dir, "manifest.json"), append(body, '\n'), 0o644)
}

func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ErrNoChromium says that no headless browser is there to print with.
var ErrNoChromium = errors.New("no Chromium to print the PDF with: install chromium (Debian: apt-get install chromium) or leave out --pdf; the HTML prints to PDF from any browser")

// Chromium finds a Chromium or Chrome binary.
func Chromium() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", ErrNoChromium
}

// PrintPDF prints an HTML file to PDF with headless Chromium, on A4 with
// the page's own print styles (and page numbers) and no browser header or
// footer.
func PrintPDF(htmlPath, pdfPath string) error {
	abs, err := filepath.Abs(htmlPath)
	if err != nil {
		return err
	}
	out, err := filepath.Abs(pdfPath)
	if err != nil {
		return err
	}
	if err := RunChromium("--no-pdf-header-footer", "--print-to-pdf="+out, "file://"+abs); err != nil {
		return fmt.Errorf("printing the pack: %w", err)
	}
	if _, err := os.Stat(out); err != nil {
		return errors.New("printing the pack wrote no PDF")
	}
	return nil
}

// RunChromium runs headless Chromium with args, for at most two minutes,
// reaching no network, with a profile of its own thrown away afterwards:
// no sandbox (it runs as root in containers), no GPU, no first-run or
// background traffic.
func RunChromium(args ...string) error {
	browser, err := Chromium()
	if err != nil {
		return err
	}
	profile, err := os.MkdirTemp("", "sems-chromium-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	headless := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-default-apps", "--disable-sync", "--user-data-dir=" + profile}
	if out, err := exec.CommandContext(ctx, browser, append(headless, args...)...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", browser, strings.Join(args, " "), err, out)
	}
	return nil
}
