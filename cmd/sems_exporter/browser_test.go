package main

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/sems-exporter/sems_exporter/internal/figures"
	"github.com/sems-exporter/sems_exporter/internal/pack"
)

// needBrowser skips a test when Chromium or poppler's tools are missing;
// scripts/test.sh installs them, so CI always runs these tests.
func needBrowser(t *testing.T) {
	t.Helper()
	if _, err := pack.Chromium(); err != nil {
		t.Skip(err)
	}
	for _, tool := range []string{"pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is missing (Debian: poppler-utils)", tool)
		}
	}
}

// TestPackPrinted prints the golden pack to PDF with Chromium, as --pdf
// does, and reads the result back: a page per section at least, no blank
// page, and every KPI's title followed by its status word in the summary.
func TestPackPrinted(t *testing.T) {
	needBrowser(t)
	d := makeDemoPack(t, packClock, false)
	dir := t.TempDir()
	if _, err := pack.Write(dir, d.pack, d.figures, d.options, d.configHash, true); err != nil {
		t.Fatal(err)
	}
	htmlName, _, pdfName := pack.Files(d.pack.Period)
	pdf := filepath.Join(dir, pdfName)
	if _, err := os.Stat(filepath.Join(dir, htmlName)); err != nil {
		t.Fatal(err)
	}

	if out, err := exec.Command("pdftoppm", "-r", "24", "-gray", pdf, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page-*.pgm"))
	// The cover and summary, then every section from a new page.
	if min := 1 + len(d.pack.Sections); len(pages) < min || len(pages) > 40 {
		t.Errorf("the pack prints on %d pages, want %d to 40", len(pages), min)
	}
	for _, page := range pages {
		if ink := inkPGM(t, page); ink < 0.0003 {
			t.Errorf("%s is blank: %.4f of its body is ink", filepath.Base(page), ink)
		}
	}

	out, err := exec.Command("pdftotext", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	// A title broken at its hyphen in a narrow column (self-assessment)
	// reads back without it: compare without hyphens and spaces.
	squash := strings.NewReplacer("-", "", " ", "").Replace
	for _, k := range d.figures.KPIs {
		if k.Family == "covert_tests" {
			if strings.Contains(text, k.Title) {
				t.Errorf("the printed pack holds the restricted %q", k.Title)
			}
			continue
		}
		word := figures.RAGWord(k.Org.RAG)
		if k.TrendOnly {
			word = "Trend only"
		}
		if !strings.Contains(squash(text), squash(k.Title+" "+word)) {
			t.Errorf("the printed summary has no %q followed by %q", k.Title, word)
		}
	}
	if !regexp.MustCompile(`Page 2 of \d+`).MatchString(text) {
		t.Error("the printed pack has no page numbers")
	}
}

// inkPGM is the share of dark pixels of a binary PGM page above its
// footer, which holds the page number on every page.
func inkPGM(t *testing.T, path string) float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(bytes.NewReader(b))
	var w, h, maxv int
	var magic string
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxv); err != nil || magic != "P5" || maxv != 255 {
		t.Fatalf("%s: not an 8-bit binary PGM (%v)", path, err)
	}
	r.ReadByte() // the single whitespace before the pixels
	pix := make([]byte, w*h)
	if _, err := io.ReadFull(r, pix); err != nil {
		t.Fatal(err)
	}
	body := h * 9 / 10
	dark := 0
	for _, p := range pix[:w*body] {
		if p < 160 {
			dark++
		}
	}
	return float64(dark) / float64(w*body)
}

// TestStatusPageInBrowser screenshots the demo's status page in Chromium
// and checks that the table rendered: below the header, enough of the
// page is not background.
func TestStatusPageInBrowser(t *testing.T) {
	needBrowser(t)
	p := launch(t, "--demo")
	p.waitCollected(t)
	shot := filepath.Join(t.TempDir(), "status.png")
	if err := screenshot(p.url+"/", shot, 1280, 1400); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if ink := inkImage(img, 0.15); ink < 0.05 {
		t.Errorf("the status page looks blank: %.3f of it below the header is not background", ink)
	}
}

// screenshot takes a screenshot of a page with headless Chromium.
func screenshot(url, path string, width, height int) error {
	return pack.RunChromium("--hide-scrollbars", fmt.Sprintf("--window-size=%d,%d", width, height), "--screenshot="+path, url)
}

// inkImage is the share of pixels that are not near-white, below the
// given fraction of the height.
func inkImage(img image.Image, from float64) float64 {
	b := img.Bounds()
	top := b.Min.Y + int(float64(b.Dy())*from)
	ink, all := 0, 0
	for y := top; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xe000 || g < 0xe000 || bl < 0xe000 {
				ink++
			}
			all++
		}
	}
	return float64(ink) / float64(all)
}

// TestStatusPage reads the demo's status page: every KPI's title with the
// organisation's status in words, links to /metrics and the pack, no
// profiling links, nothing fetched from elsewhere; and the pack it links to.
func TestStatusPage(t *testing.T) {
	p := launch(t, "--demo")
	p.waitCollected(t)
	mfs := p.scrape(t)
	var list []*dto.MetricFamily
	for _, mf := range mfs {
		list = append(list, mf)
	}
	f := figures.Read(list)
	page := fetch(t, p.url+"/")
	for _, k := range f.KPIs {
		word := figures.RAGWord(k.Org.RAG)
		if k.TrendOnly {
			word = "Trend only"
		}
		// The title's row starts with the organisation's cell.
		row := regexp.MustCompile(regexp.QuoteMeta(k.Title) + `<span class="desc">[^<]*</span></th><td class="rag [a-z]+"><span class="word">([^<]+)</span>([^<]+)<`)
		m := row.FindStringSubmatch(page)
		if m == nil {
			t.Errorf("the status page has no row for %q", k.Title)
			continue
		}
		if m[1] != word || m[2] != k.Format(k.Org.Value) {
			t.Errorf("%s: the status page says %s %s, /metrics %s %s", k.Title, m[1], m[2], word, k.Format(k.Org.Value))
		}
	}
	for _, want := range []string{`href="/metrics"`, `href="/pack"`, "Records read", "Data age"} {
		if !strings.Contains(page, want) {
			t.Errorf("the status page has no %s", want)
		}
	}
	if strings.Contains(page, "debug/pprof") {
		t.Error("the status page links to profiles the exporter does not serve")
	}
	checkSelfContained(t, "the status page", page)
	packPage := fetch(t, p.url+"/pack")
	checkSelfContained(t, "the served pack", packPage)
	if !strings.Contains(packPage, "Security performance: governance pack") {
		t.Error("/pack does not serve the pack")
	}
}
