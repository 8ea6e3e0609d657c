// Not Go: this go.mod keeps node_modules, where npm packages can carry Go
// files of their own, out of the repository's module and so out of
// "go test ./..." and "go vet ./...".
module grafana-check

go 1.26
