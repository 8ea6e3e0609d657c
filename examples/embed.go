// Package examples embeds the demo configuration, so that the exporter can
// serve the demo dataset with nothing else installed.
package examples

import _ "embed"

// DemoConfig is demo.yml: every family read from CSV files in csv/ beside it.
//
//go:embed demo.yml
var DemoConfig []byte
