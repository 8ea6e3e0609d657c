// Package config loads and validates the exporter's YAML configuration:
// the sites, the source systems and, for each KPI family, where its records
// come from, when they are collected and the targets they are graded against.
// Every problem is reported with the file and line it comes from.
package config

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"
	"github.com/prometheus/common/model"
	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/bounded"
	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Source types.
const (
	TypePostgres = "postgres"
	TypeCSV      = "csv"
)

// Defaults for a family that does not set them.
const (
	DefaultSchedule       = "@every 5m"
	DefaultTimeout        = 30 * time.Second
	DefaultMaxConnections = 2
	// DefaultMaxRejectedRatio is the share of a family's records that may
	// be rejected before SemsRecordsRejected fires.
	DefaultMaxRejectedRatio = 0.05
	// DefaultMinInterval is the shortest time between two collections of a
	// family unless min_interval says otherwise.
	DefaultMinInterval = time.Second
	// MaxTimeout is the longest collection timeout: far below PostgreSQL's
	// limit on statement_timeout (about 24.8 days).
	MaxTimeout = 24 * time.Hour
	// maxMappingKeys bounds every mapping of the file. The YAML decoder
	// checks a mapping for repeated keys in time quadratic in its size.
	maxMappingKeys = 5000
)

// labelValue is the form of a site code or vocabulary value: they become
// label values, so they are short lower-case identifiers, never free text.
var labelValue = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Config is a loaded, validated configuration.
type Config struct {
	File     string
	Sites    []string
	Calendar collectors.Calendar
	Sources  map[string]*Source
	Families []*Family
	checksum [sha256.Size]byte
}

// Checksum sums what the configuration stands on: its file, and the
// connection strings read from the environment or files, so that a
// rotated password is a change.
func (c *Config) Checksum() [sha256.Size]byte { return c.checksum }

// Source is a system records are read from.
type Source struct {
	Name           string `yaml:"-"`
	Type           string `yaml:"type"`
	DSNEnv         string `yaml:"dsn_env"`
	DSNFile        string `yaml:"dsn_file"`
	MaxConnections int    `yaml:"max_connections"`
	Directory      string `yaml:"directory"`
	dsn            string
}

// DSN returns the connection string read from the environment or a file. It
// holds a password: never log or expose it.
func (s *Source) DSN() string { return s.dsn }

// Collection is what every scheduled collection is configured with, a
// built-in family's or a configured indicator's: where its records come
// from, when, and the targets they are graded against.
type Collection struct {
	Source  string            `yaml:"source"`
	File    string            `yaml:"file"`
	Query   string            `yaml:"query"`
	Columns map[string]string `yaml:"columns"`
	// Values maps, per column of a CSV file, the source's codes to the
	// record contract's values: what a record query's CASE does.
	Values   map[string]map[string]string `yaml:"values"`
	Schedule string                       `yaml:"schedule"`
	Timeout  model.Duration               `yaml:"timeout"`
	MaxAge   model.Duration               `yaml:"max_age"`
	// MaxRejectedRatio is the share of records rejected above which the
	// SemsRecordsRejected alert fires.
	MaxRejectedRatio *float64             `yaml:"max_rejected_ratio"`
	Targets          yaml.Node            `yaml:"targets"`
	SiteTargets      map[string]yaml.Node `yaml:"site_targets"`
}

// Family is one collection: a KPI family's configuration, or a configured
// indicator's once checked.
type Family struct {
	Name       string `yaml:"-"`
	Collection `yaml:",inline"`
	// Vocabulary and Options are a built-in family's only.
	Vocabulary map[string][]string `yaml:"vocabulary"`
	Options    yaml.Node           `yaml:"options"`

	Collector collectors.Family    `yaml:"-"`
	Settings  *collectors.Settings `yaml:"-"`
	Cron      cron.Schedule        `yaml:"-"`
}

type file struct {
	Sites       []string              `yaml:"sites"`
	MinInterval model.Duration        `yaml:"min_interval"`
	Calendar    *Calendar             `yaml:"calendar"`
	Sources     map[string]*Source    `yaml:"sources"`
	Families    map[string]*Family    `yaml:"families"`
	Indicators  map[string]*Indicator `yaml:"indicators"`
}

// Size limits of the files the configuration is read from: a
// configuration of thousands of families is far below maxFileBytes, a
// connection string far below maxSecretBytes.
const (
	maxFileBytes   = 16 << 20
	maxSecretBytes = 64 << 10
)

// Load reads and validates a configuration file.
func Load(path string) (*Config, error) {
	data, err := bounded.ReadFile(path, maxFileBytes)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse validates configuration text; path names it in errors and anchors
// relative directories.
func Parse(path string, data []byte) (*Config, error) {
	d := &decoder{file: path}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		// yaml.v3 gives no line for a character it cannot read, nor for a
		// scanner error on the first line (it counts lines from 0 and takes
		// 0 for "unknown").
		line := yamlLine(err)
		if line == 0 {
			line = max(unreadableLine(data), 1)
		}
		return nil, &Error{File: path, Line: line, Msg: yamlMessage(err)}
	}
	if len(root.Content) == 0 {
		return nil, &Error{File: path, Msg: "the file is empty"}
	}
	doc := root.Content[0]
	if !d.checkSizes(doc) {
		return nil, d.err()
	}
	var f file
	if !d.decode(doc, "", &f) {
		return nil, d.err()
	}
	if f.MinInterval == 0 {
		f.MinInterval = model.Duration(DefaultMinInterval)
	}
	if f.MinInterval < model.Duration(DefaultMinInterval) {
		d.errorf(lookup(doc, "min_interval"), "min_interval must be at least %s, got %s", DefaultMinInterval, f.MinInterval)
	}
	c := &Config{File: path, Sites: f.Sites, Sources: f.Sources, Calendar: d.checkCalendar(doc, f.Calendar)}
	d.checkSites(doc, f.Sites)
	d.checkSources(doc, filepath.Dir(path), f.Sources)
	if len(f.Families) == 0 && len(f.Indicators) == 0 {
		d.errorf(doc, "nothing to collect: configure at least one of the families or indicators")
	}
	for _, name := range slices.Sorted(maps.Keys(f.Families)) {
		fam := f.Families[name]
		if fam == nil {
			d.errorf(keyNode(lookup(doc, "families"), name), "families.%s: the family is empty: it needs at least a source", name)
			continue
		}
		fam.Name = name
		coll, ok := collectors.Lookup(name)
		if !ok {
			d.errorf(keyNode(lookup(doc, "families"), name), "unknown family %q (known: %s); a KPI of your own goes under indicators", name, strings.Join(collectors.Names(), ", "))
			continue
		}
		if d.checkCollection(lookup(doc, "families", name), "families."+name, c, fam, coll, time.Duration(f.MinInterval)) {
			c.Families = append(c.Families, fam)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(f.Indicators)) {
		if fam, ok := d.checkIndicator(doc, c, name, f.Indicators[name], time.Duration(f.MinInterval)); ok {
			c.Families = append(c.Families, fam)
		}
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	h := sha256.New()
	h.Write(data)
	for _, name := range slices.Sorted(maps.Keys(c.Sources)) {
		fmt.Fprintf(h, "\x00%s\x00%s", name, c.Sources[name].dsn)
	}
	c.checksum = [sha256.Size]byte(h.Sum(nil))
	return c, nil
}

func (d *decoder) checkSites(doc *yaml.Node, sites []string) {
	n := lookup(doc, "sites")
	if len(sites) == 0 {
		d.errorf(n, "sites: list the organisation's site codes; records from other sites are rejected")
	}
	seen := map[string]bool{}
	for i, s := range sites {
		item := n
		if n.Kind == yaml.SequenceNode && i < len(n.Content) {
			item = n.Content[i]
		}
		if !labelValue.MatchString(s) {
			d.errorf(item, "sites: %q is not a site code (lower-case letters, digits, '_' and '-', at most 63)", s)
		}
		if seen[s] {
			d.errorf(item, "sites: %q is listed twice", s)
		}
		seen[s] = true
	}
}

func (d *decoder) checkSources(doc *yaml.Node, dir string, sources map[string]*Source) {
	if len(sources) == 0 {
		d.errorf(doc, "no sources configured: add at least one under sources")
	}
	// Each source's nodes, found once: looking each up in turn would take
	// time quadratic in their number.
	list := lookup(doc, "sources")
	keys, values := map[string]*yaml.Node{}, map[string]*yaml.Node{}
	for i := 0; i+1 < len(list.Content); i += 2 {
		keys[list.Content[i].Value], values[list.Content[i].Value] = list.Content[i], list.Content[i+1]
	}
	for name, s := range sources {
		if s == nil {
			d.errorf(keys[name], "sources.%s: the source is empty: it needs a type", name)
			delete(sources, name)
			continue
		}
		s.Name = name
		if !labelValue.MatchString(name) {
			d.errorf(keys[name], "sources: %q is not a source name (lower-case letters, digits, '_' and '-', at most 63): it is the source label of the health metrics", name)
		}
		n := values[name]
		at := func(key string) *yaml.Node { return lookup(n, key) }
		switch s.Type {
		case TypePostgres:
			if s.Directory != "" {
				d.errorf(at("directory"), "sources.%s: directory is for csv sources", name)
			}
			d.resolveDSN(n, s)
			if s.MaxConnections == 0 {
				s.MaxConnections = DefaultMaxConnections
			}
			if s.MaxConnections < 1 || s.MaxConnections > 20 {
				d.errorf(at("max_connections"), "sources.%s: max_connections must be between 1 and 20, got %d", name, s.MaxConnections)
			}
		case TypeCSV:
			if s.DSNEnv != "" || s.DSNFile != "" || s.MaxConnections != 0 {
				d.errorf(n, "sources.%s: dsn_env, dsn_file and max_connections are for postgres sources", name)
			}
			if s.Directory == "" {
				d.errorf(n, "sources.%s: a csv source needs a directory", name)
				continue
			}
			if !filepath.IsAbs(s.Directory) {
				s.Directory = filepath.Join(dir, s.Directory)
			}
			if st, err := os.Stat(s.Directory); err != nil || !st.IsDir() {
				d.errorf(at("directory"), "sources.%s: directory %s does not exist", name, s.Directory)
			}
		default:
			d.errorf(at("type"), "sources.%s: type must be %q or %q, got %q", name, TypePostgres, TypeCSV, s.Type)
		}
	}
}

// envName is the form of an environment variable's name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// looksLikeDSN tells a connection string from a file path: a URL, or
// key=value settings such as "host=db password=...".
var looksLikeDSN = regexp.MustCompile(`://|\b(password|user|host|dbname|sslmode)\s*=`)

// resolveDSN reads a postgres source's connection string from the named
// environment variable or file. Credentials never sit in the configuration;
// one written where the name belongs is refused without being repeated.
func (d *decoder) resolveDSN(n *yaml.Node, s *Source) {
	switch {
	case s.DSNEnv != "" && s.DSNFile != "":
		d.errorf(n, "sources.%s: set dsn_env or dsn_file, not both", s.Name)
	case s.DSNEnv != "" && !envName.MatchString(s.DSNEnv):
		d.errorf(lookup(n, "dsn_env"), "sources.%s: dsn_env must name an environment variable (letters, digits and '_'); it holds something else, not shown in case it is a connection string", s.Name)
	case s.DSNEnv != "":
		v, ok := os.LookupEnv(s.DSNEnv)
		if !ok || strings.TrimSpace(v) == "" {
			d.errorf(lookup(n, "dsn_env"), "sources.%s: environment variable %s is not set", s.Name, s.DSNEnv)
		}
		s.dsn = strings.TrimSpace(v)
	case s.DSNFile != "" && looksLikeDSN.MatchString(s.DSNFile):
		d.errorf(lookup(n, "dsn_file"), "sources.%s: dsn_file must be the path of a file holding the connection string; it holds a connection string itself (not shown)", s.Name)
	case s.DSNFile != "":
		b, err := bounded.ReadFile(s.DSNFile, maxSecretBytes)
		if err != nil {
			d.errorf(lookup(n, "dsn_file"), "sources.%s: reading dsn_file: %v", s.Name, err)
		}
		s.dsn = strings.TrimSpace(string(b))
		if err == nil && s.dsn == "" {
			d.errorf(lookup(n, "dsn_file"), "sources.%s: dsn_file %s is empty", s.Name, s.DSNFile)
		}
	default:
		d.errorf(n, "sources.%s: a postgres source needs dsn_env or dsn_file (the connection string is never written in the configuration)", s.Name)
	}
	if s.dsn == "" {
		return
	}
	// Parsed here, so that --config.check refuses what start-up would.
	// The parser's message can quote the string, password and all.
	if _, err := pq.NewConnector(s.dsn); err != nil {
		at, from := lookup(n, "dsn_env"), "environment variable "+s.DSNEnv
		if s.DSNFile != "" {
			at, from = lookup(n, "dsn_file"), "file "+s.DSNFile
		}
		d.errorf(at, "sources.%s: the connection string in %s is not valid (not shown, in case it holds a password): write a URL, postgres://user:password@host:port/database?sslmode=verify-full, or key=value settings, host=... dbname=...", s.Name, from)
	}
}

// checkCollection checks what every collection has, a built-in family's or
// a configured indicator's, n being its node and path where it is.
func (d *decoder) checkCollection(n *yaml.Node, path string, c *Config, fam *Family, coll collectors.Family, minInterval time.Duration) bool {
	at := func(key string) *yaml.Node { return lookup(n, key) }
	before := len(d.errs)
	fam.Collector = coll

	src, ok := c.Sources[fam.Source]
	switch {
	case fam.Source == "":
		d.errorf(n, "%s: source is required", path)
	case !ok:
		d.errorf(at("source"), "%s: unknown source %q", path, fam.Source)
	case src.Type == TypePostgres:
		if strings.TrimSpace(fam.Query) == "" {
			d.errorf(n, "%s: a postgres source needs a record query under query", path)
		} else if records.TrimQuery(fam.Query) == "" {
			d.errorf(at("query"), "%s: the record query is empty once its semicolons and comments are left out", path)
		}
		if fam.File != "" || fam.Columns != nil {
			d.errorf(at("file"), "%s: file and columns are for csv sources", path)
		}
		if fam.Values != nil {
			d.errorf(at("values"), "%s: values is for csv sources; a record query maps codes with CASE", path)
		}
		if fam.MaxAge != 0 {
			d.errorf(at("max_age"), "%s: max_age is for csv sources", path)
		}
	case src.Type == TypeCSV:
		if fam.MaxAge < 0 {
			d.errorf(at("max_age"), "%s: max_age must be positive", path)
		}
		if fam.File == "" {
			d.errorf(n, "%s: a csv source needs a file", path)
		}
		if fam.Query != "" {
			d.errorf(at("query"), "%s: query is for postgres sources", path)
		}
	}

	if fam.Schedule == "" {
		fam.Schedule = DefaultSchedule
	}
	sched, err := cron.ParseStandard(fam.Schedule)
	if err != nil {
		d.errorf(at("schedule"), "%s: invalid schedule %q: %v", path, fam.Schedule, err)
	} else if msg := checkSchedule(fam.Schedule, sched, minInterval); msg != "" {
		d.errorf(at("schedule"), "%s: schedule %q %s", path, fam.Schedule, msg)
	}
	fam.Cron = sched
	if fam.Timeout == 0 {
		fam.Timeout = model.Duration(DefaultTimeout)
	}
	if fam.MaxRejectedRatio == nil {
		fam.MaxRejectedRatio = new(float64)
		*fam.MaxRejectedRatio = DefaultMaxRejectedRatio
	}
	if r := *fam.MaxRejectedRatio; !(r >= 0 && r <= 1) {
		d.errorf(at("max_rejected_ratio"), "%s: max_rejected_ratio must be between 0 and 1, got %v", path, r)
	}
	if fam.Timeout <= 0 || fam.Timeout > model.Duration(MaxTimeout) {
		d.errorf(at("timeout"), "%s: timeout must be positive and at most %s, got %s", path, model.Duration(MaxTimeout), fam.Timeout)
	}

	contract := map[string]records.Column{}
	for _, col := range coll.Columns() {
		contract[col.Name] = col
	}
	for k := range fam.Columns {
		if _, ok := contract[k]; !ok {
			d.errorf(keyNode(at("columns"), k), "%s.columns: %q is not a column of the %s record contract (%s)", path, k, fam.Name, strings.Join(slices.Sorted(maps.Keys(contract)), ", "))
		}
	}
	d.checkValues(at("values"), path, fam.Values, contract)
	s := collectors.DefaultSettings(coll, c.Sites)
	s.Calendar = c.Calendar
	d.checkVocabulary(at("vocabulary"), path, fam.Vocabulary, contract, s)
	d.decodeSettings(n, path, fam, s, c.Sites)
	if v, ok := coll.(collectors.SettingsValidator); ok && len(d.errs) == before {
		if err := v.ValidateSettings(s); err != nil {
			d.errorf(n, "%s: %v", path, err)
		}
	}
	fam.Settings = s
	return len(d.errs) == before
}

// checkSchedule says what is wrong with a parsed schedule: it never fires,
// or fires more often than minInterval. The cron library would quietly
// run "@every 1ms", "@every 0s" and "@every -1s" once a second.
func checkSchedule(spec string, s cron.Schedule, minInterval time.Duration) string {
	if every, ok := strings.CutPrefix(spec, "@every "); ok {
		if d, err := time.ParseDuration(strings.TrimSpace(every)); err == nil && d < minInterval {
			return fmt.Sprintf("runs more often than min_interval %s allows", minInterval)
		}
	}
	t := s.Next(time.Now())
	if t.IsZero() {
		return "never fires"
	}
	for range 100 {
		next := s.Next(t)
		if next.IsZero() {
			break
		}
		if next.Sub(t) < minInterval {
			return fmt.Sprintf("runs more often than min_interval %s allows", minInterval)
		}
		t = next
	}
	return ""
}

// checkSizes refuses a mapping with more than maxMappingKeys entries
// anywhere in the file, before anything is decoded.
func (d *decoder) checkSizes(n *yaml.Node) bool {
	if n.Kind == yaml.MappingNode && len(n.Content)/2 > maxMappingKeys {
		d.errorf(n, "a mapping of %d entries: at most %d are read", len(n.Content)/2, maxMappingKeys)
		return false
	}
	for _, c := range n.Content {
		if !d.checkSizes(c) {
			return false
		}
	}
	return true
}

func (d *decoder) checkVocabulary(n *yaml.Node, path string, vocab map[string][]string, contract map[string]records.Column, s *collectors.Settings) {
	for col, values := range vocab {
		kn := keyNode(n, col)
		if c, ok := contract[col]; !ok || c.Type != records.TypeEnum || col == "site" {
			d.errorf(kn, "%s.vocabulary: %q is not an enum column (sites come from the top-level sites list)", path, col)
			continue
		}
		if len(values) == 0 {
			d.errorf(kn, "%s.vocabulary.%s: the list is empty", path, col)
		}
		seen := map[string]bool{}
		for _, v := range values {
			if !labelValue.MatchString(v) {
				d.errorf(lookup(n, col), "%s.vocabulary.%s: %q is not a label value (lower-case letters, digits, '_' and '-')", path, col, v)
			}
			if seen[v] {
				d.errorf(lookup(n, col), "%s.vocabulary.%s: %q is listed twice", path, col, v)
			}
			seen[v] = true
		}
		s.Vocabulary[col] = values
	}
}

// checkValues checks a CSV collection's value maps: each is of an enum or
// boolean column, and maps codes to values the column can take.
func (d *decoder) checkValues(n *yaml.Node, path string, values map[string]map[string]string, contract map[string]records.Column) {
	for col, codes := range values {
		kn := keyNode(n, col)
		c, ok := contract[col]
		if !ok || (c.Type != records.TypeEnum && c.Type != records.TypeBool) {
			d.errorf(kn, "%s.values: %q is not an enum or boolean column of the record contract", path, col)
			continue
		}
		for code, v := range codes {
			at := lookup(n, col, code)
			switch {
			case c.Type == records.TypeEnum && !labelValue.MatchString(v):
				d.errorf(at, "%s.values.%s: %q maps to %q, which is not a value (lower-case letters, digits, '_' and '-')", path, col, code, v)
			case c.Type == records.TypeBool && records.ParseCell(c, v).Kind != records.KindBool:
				d.errorf(at, "%s.values.%s: %q maps to %q, which is not a boolean (true or false)", path, col, code, v)
			}
		}
	}
}

// decodeSettings decodes options, the organisation-wide targets and, per
// site, the organisation-wide targets overlaid with the site's overrides.
func (d *decoder) decodeSettings(n *yaml.Node, path string, fam *Family, s *collectors.Settings, sites []string) {
	if fam.Options.Kind != 0 {
		if s.Options == nil {
			d.errorf(&fam.Options, "%s: the %s family has no options", path, fam.Name)
		} else if d.decode(&fam.Options, path+".options", s.Options) {
			d.validate(&fam.Options, path+".options", s.Options)
		}
	}
	hasTargets := fam.Targets.Kind != 0
	if hasTargets && (!d.decode(&fam.Targets, path+".targets", s.Targets) || !d.validate(&fam.Targets, path+".targets", s.Targets)) {
		return
	}
	for site := range fam.SiteTargets {
		if !slices.Contains(sites, site) {
			d.errorf(keyNode(lookup(n, "site_targets"), site), "%s.site_targets: %q is not a configured site", path, site)
		}
	}
	for _, site := range sites {
		t := s.SiteTargets[site]
		if hasTargets {
			d.decode(&fam.Targets, path+".targets", t)
		}
		if node, ok := fam.SiteTargets[site]; ok {
			sp := path + ".site_targets." + site
			if d.decode(&node, sp, t) {
				d.validate(&node, sp, t)
			}
		}
	}
}

func (d *decoder) validate(n *yaml.Node, path string, v any) bool {
	if val, ok := v.(interface{ Validate() error }); ok {
		if err := val.Validate(); err != nil {
			d.errorf(n, "%s: %v", path, err)
			return false
		}
	}
	return true
}

var yamlErrLine = regexp.MustCompile(`line (\d+): `)

func yamlLine(err error) int {
	var line int
	if m := yamlErrLine.FindStringSubmatch(err.Error()); m != nil {
		fmt.Sscan(m[1], &line)
	}
	return line
}

func yamlMessage(err error) string {
	return strings.TrimPrefix(yamlErrLine.ReplaceAllString(err.Error(), ""), "yaml: ")
}

// unreadableLine finds the line of the first character YAML refuses to read
// (invalid UTF-8, a control character), which its errors do not locate.
func unreadableLine(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		printable := r == '\t' || r == '\n' || r == '\r' || r == 0x85 ||
			(r >= 0x20 && r <= 0x7e) || (r >= 0xa0 && r <= 0xd7ff) ||
			(r >= 0xe000 && r <= 0xfffd) || r >= 0x10000
		if !printable || (r == utf8.RuneError && size == 1) {
			return 1 + bytes.Count(data[:i], []byte("\n"))
		}
		i += size
	}
	return 0
}
