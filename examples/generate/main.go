// Command generate rewrites the demonstration data under examples/: the CSV
// exports in csv/, anchored at the current time, and the PostgreSQL seed
// script postgres/seed.sql. Run it from the repository root:
//
//	go run ./examples/generate
package main

import (
	"bytes"
	"flag"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/demo"
)

func main() {
	dir := flag.String("dir", "examples", "the examples directory to write into")
	flag.Parse()
	d := demo.Generate()
	if err := d.WriteCSV(filepath.Join(*dir, "csv"), time.Now().UTC().Truncate(time.Second)); err != nil {
		log.Fatal(err)
	}
	var seed bytes.Buffer
	if err := d.WriteSQL(&seed); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*dir, "postgres", "seed.sql"), seed.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
