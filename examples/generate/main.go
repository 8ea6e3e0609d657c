// Command generate rewrites what examples/ derives from internal/exampledata:
// the source system's schema postgres/schema.sql, the configurations
// demo.yml and postgres.yml, the demonstration data's CSV exports in csv/,
// anchored at the current time, and its PostgreSQL seed script
// postgres/seed.sql. Run it from the repository root:
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
	"github.com/sems-exporter/sems_exporter/internal/exampledata"
)

func main() {
	dir := flag.String("dir", "examples", "the examples directory to write into")
	flag.Parse()
	files, err := exampledata.Files()
	if err != nil {
		log.Fatal(err)
	}
	d := demo.Generate()
	var seed bytes.Buffer
	if err := d.WriteSQL(&seed); err != nil {
		log.Fatal(err)
	}
	files["postgres/seed.sql"] = seed.Bytes()
	for path, b := range files {
		if err := os.WriteFile(filepath.Join(*dir, path), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	if err := d.WriteCSV(filepath.Join(*dir, "csv"), time.Now().UTC().Truncate(time.Second)); err != nil {
		log.Fatal(err)
	}
}
