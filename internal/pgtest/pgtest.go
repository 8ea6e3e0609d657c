// Package pgtest runs a throwaway PostgreSQL server for tests: initdb in a
// temporary directory, pg_ctl on a free loopback port, removed afterwards.
// Tests use a real server; nothing about the database is mocked.
package pgtest

import (
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"

	_ "github.com/lib/pq" // registers the "postgres" driver
)

// EnvDSN names a variable that, when set, points the tests at an existing
// server (a superuser DSN) instead of starting one.
const EnvDSN = "SEMS_TEST_POSTGRES_DSN"

// Server is a running test server.
type Server struct {
	dir, bin string
	port     int
	owner    *user.User // set when running as root: PostgreSQL refuses root
	admin    string
}

// Start creates and starts a server, or uses the one EnvDSN names.
func Start() (*Server, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return &Server{admin: dsn}, nil
	}
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sems-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		if s.owner, err = user.Lookup("postgres"); err != nil {
			return nil, fmt.Errorf("running as root needs a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(s.owner.Uid)
		gid, _ := strconv.Atoi(s.owner.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	if err := s.run("initdb", "-D", s.data(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if s.port, err = freePort(); err != nil {
		return nil, err
	}
	s.admin = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
	if err := s.Resume(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// Resume starts the server's process, after Start or Pause.
func (s *Server) Resume() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_preload_libraries=pg_stat_statements", s.port, s.dir)
	return s.run("pg_ctl", "-D", s.data(), "-l", filepath.Join(s.dir, "log"), "-o", opts, "-w", "start")
}

// Pause stops the server's process, keeping its data: a source outage.
// Connections are cut at once, but the shutdown is clean, so nothing
// committed before the outage is lost.
func (s *Server) Pause() error {
	return s.run("pg_ctl", "-D", s.data(), "-m", "fast", "-w", "stop")
}

// Close stops the server and removes its files.
func (s *Server) Close() {
	if s.dir == "" {
		return
	}
	_ = s.Pause()
	os.RemoveAll(s.dir)
}

// NewDatabase creates an empty database and returns a DSN for it.
func (s *Server) NewDatabase(name string) (string, error) {
	db, err := sql.Open("postgres", s.admin)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
		return "", err
	}
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		return "", err
	}
	u, err := url.Parse(s.admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Prepare creates an empty database, runs setup in it as the superuser, and
// returns the database's DSN and a pool of the superuser's connections to
// it, for the test to close.
func (s *Server) Prepare(name, setup string) (string, *sql.DB, error) {
	dsn, err := s.NewDatabase(name)
	if err != nil {
		return "", nil, err
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return "", nil, err
	}
	if _, err := db.Exec(setup); setup != "" && err != nil {
		db.Close()
		return "", nil, fmt.Errorf("setting up database %s: %w", name, err)
	}
	return dsn, db, nil
}

// OpenDatabase creates an empty database and opens a connection pool to it.
func (s *Server) OpenDatabase(name string) (*sql.DB, error) {
	dsn, err := s.NewDatabase(name)
	if err != nil {
		return nil, err
	}
	return sql.Open("postgres", dsn)
}

func (s *Server) run(tool string, args ...string) error {
	path := filepath.Join(s.bin, tool)
	cmd := exec.Command(path, args...)
	if s.owner != nil {
		cmd = exec.Command("runuser", append([]string{"-u", s.owner.Username, "--", path}, args...)...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", tool, err, out)
	}
	return nil
}

// binDir finds the newest installed PostgreSQL server binaries.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi < vj
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		return string(out[:len(out)-1]), nil
	}
	return "", fmt.Errorf("no PostgreSQL server binaries found (install postgresql, or set %s)", EnvDSN)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Env is the client environment (PGHOST, PGPORT, PGUSER and any
// PGPASSWORD) that points psql, createdb and lib/pq at the server as its
// superuser, as a reader of the documentation would set it.
func (s *Server) Env() ([]string, error) {
	u, err := url.Parse(s.admin)
	if err != nil {
		return nil, err
	}
	env := []string{"PGHOST=" + u.Hostname(), "PGPORT=" + u.Port(), "PGUSER=" + u.User.Username()}
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
	}
	return env, nil
}
