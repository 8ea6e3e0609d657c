package examples

// The demonstration data in csv/ and postgres/seed.sql comes from
// internal/demo; regenerate it after changing the generator.
//go:generate go run ./generate -dir .
