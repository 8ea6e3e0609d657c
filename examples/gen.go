package examples

// The schema, the configurations and the demonstration data in csv/ and
// postgres/seed.sql come from internal/exampledata; regenerate them after
// changing it.
//go:generate go run ./generate -dir .
