package snapshot

import (
	"bytes"
	"compress/flate"
	"hash/crc32"
	"maps"
	"sync/atomic"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The snapshot only changes when a collection ends or the configuration is
// reloaded, while Prometheus, dashboards and anyone with a browser may
// scrape at any time. So the snapshot is encoded when it changes, by the
// collection that changed it, in each common variant scrapers asked for lately,
// and scrapes serve those bytes: a scrape costs little more than writing
// them, however many series the sites produce and however many scrapers
// there are, and no scrape waits for an encoding but the first of a variant.

// variant is one way a scrape can ask for the snapshot.
type variant struct {
	format expfmt.Format
	gzip   bool
}

// cached reports whether a variant is kept encoded: only those Prometheus,
// browsers and curl ask for (text or delimited protobuf, with names
// escaped to underscores or not at all, gzipped or not). Another variant is
// encoded for the scrape that asks for it and not kept: kept, each of the
// 32 a client can ask for once would be encoded on every change for an
// hour.
func (v variant) cached() bool {
	t, esc := v.format.FormatType(), v.format.ToEscapingScheme()
	return (t == expfmt.TypeTextPlain || t == expfmt.TypeProtoDelim) &&
		(esc == model.UnderscoreEscaping || esc == model.NoEscaping)
}

// forgetAfter is how long a variant nobody scrapes is still encoded on
// every change.
const forgetAfter = time.Hour

// encoding is the snapshot in one variant. With gzip, body is a deflate
// stream left open (flushed to a byte boundary, no final block), so that the
// live part can be compressed after it into one gzip member; crc and size
// are those of the uncompressed text, for the gzip trailer.
type encoding struct {
	body   []byte
	crc    uint32
	size   int
	names  map[string]bool
	served atomic.Int64 // when a scrape last asked for it, Unix nanoseconds
}

// exposition is one version of the snapshot and its encodings. It is never
// changed once published: a new variant or version is a new exposition.
type exposition struct {
	version  uint64
	families []*dto.MetricFamily
	variants map[variant]*encoding
}

// encoded returns the snapshot in the variant: the published encoding, or
// one made now if no scrape asked for the variant lately.
func (s *Snapshot) encoded(v variant) (*encoding, error) {
	if x := s.published.Load(); x != nil {
		if e, ok := x.variants[v]; ok {
			e.served.Store(time.Now().UnixNano())
			return e, nil
		}
	}
	s.encoding.Lock()
	defer s.encoding.Unlock()
	x := s.published.Load()
	if x == nil {
		mfs, version, err := s.gather()
		if err != nil {
			return nil, err
		}
		x = &exposition{version: version, families: mfs, variants: map[variant]*encoding{}}
	}
	if !v.cached() {
		once := &exposition{families: x.families, variants: map[variant]*encoding{}}
		if err := once.add(v); err != nil {
			return nil, err
		}
		s.published.Store(x)
		return once.variants[v], nil
	}
	if _, ok := x.variants[v]; !ok {
		next := &exposition{version: x.version, families: x.families, variants: maps.Clone(x.variants)}
		if err := next.add(v); err != nil {
			return nil, err
		}
		s.published.Store(next)
		x = next
	}
	e := x.variants[v]
	e.served.Store(time.Now().UnixNano())
	return e, nil
}

// refresh encodes the snapshot after a change, in the variants scraped
// lately. Until it is done, scrapes serve the previous version whole.
func (s *Snapshot) refresh() {
	s.encoding.Lock()
	defer s.encoding.Unlock()
	old := s.published.Load()
	if old == nil {
		return // never scraped: the first scrape encodes
	}
	mfs, version, err := s.gather()
	if err != nil {
		s.published.Store(nil) // the next scrape reports the error
		return
	}
	if version == old.version {
		return // another change's refresh already encoded this one
	}
	next := &exposition{version: version, families: mfs, variants: map[variant]*encoding{}}
	recent := time.Now().Add(-forgetAfter).UnixNano()
	for v, e := range old.variants {
		if served := e.served.Load(); served >= recent {
			// A variant that fails to encode is left out: its next scrape
			// encodes it again and reports the error.
			if next.add(v) == nil {
				next.variants[v].served.Store(served)
			}
		}
	}
	s.published.Store(next)
}

// add encodes the variant, and the plain variant of its format first if a
// compressed one is asked for.
func (x *exposition) add(v variant) error {
	plainV := variant{format: v.format}
	plain, ok := x.variants[plainV]
	if !ok {
		var err error
		if plain, err = x.encode(v.format); err != nil {
			return err
		}
		x.variants[plainV] = plain
	}
	if v.gzip {
		zipped, err := deflated(plain)
		if err != nil {
			return err
		}
		x.variants[v] = zipped
	}
	return nil
}

func (x *exposition) encode(format expfmt.Format) (*encoding, error) {
	var buf bytes.Buffer
	// About what a series takes as text, so that the buffer seldom grows
	// (and copies) a couple of megabytes more than once.
	series := 0
	for _, mf := range x.families {
		series += len(mf.Metric)
	}
	buf.Grow(series * 120)
	if err := encode(&buf, format, x.families); err != nil {
		return nil, err
	}
	e := &encoding{body: buf.Bytes(), size: buf.Len(), crc: crc32.ChecksumIEEE(buf.Bytes()), names: map[string]bool{}}
	for _, mf := range x.families {
		e.names[mf.GetName()] = true
	}
	return e, nil
}

// deflated compresses the snapshot once. The stream ends with a sync flush:
// aligned on a byte and not final, so another deflate stream can follow it.
func deflated(plain *encoding) (*encoding, error) {
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := fw.Write(plain.body); err != nil {
		return nil, err
	}
	if err := fw.Flush(); err != nil {
		return nil, err
	}
	return &encoding{body: buf.Bytes(), crc: plain.crc, size: plain.size, names: plain.names}, nil
}
