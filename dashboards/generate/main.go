// Command generate writes the Grafana dashboards in dashboards/, one
// directory per audience, from the definitions in this directory. Run it
// from the repository root after changing a definition:
//
//	go run ./dashboards/generate
//
// The output is committed; a test fails when it differs from what this
// program writes.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

const (
	// grafanaVersion is the Grafana release the dashboards are written for;
	// deploy/grafana/VERSION pins the same image tag.
	grafanaVersion = "12.4.4"
	// schemaVersion is the dashboard schema version that release writes.
	schemaVersion = 42
)

// files renders every dashboard: paths relative to dashboards/.
func files() (map[string][]byte, error) {
	out := map[string][]byte{}
	for path, d := range map[string]*Dashboard{
		"board/board.json":                       board(),
		"security-manager/security-manager.json": manager(),
		"operations/operations.json":             operations(),
		"group/group.json":                       group(),
		"peers/peers.json":                       peers(),
	} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // keep "&" in link URLs readable
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out[path] = buf.Bytes()
	}
	return out, nil
}

func main() {
	dir := flag.String("dir", "dashboards", "Directory to write the dashboards into.")
	flag.Parse()
	fs, err := files()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for path, data := range fs {
		full := filepath.Join(*dir, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
