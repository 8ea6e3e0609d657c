package snapshot

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Handler serves the snapshot, as encoded when it last changed, followed by
// live's metrics (the exporter's own: build information, reloads, Go
// runtime, process), gathered and encoded on every scrape. It speaks the formats and the gzip encoding that
// client_golang's handler speaks, OpenMetrics aside, as that handler does
// by default.
func (s *Snapshot) Handler(live prometheus.Gatherer, logger *slog.Logger) http.Handler {
	return &handler{snap: s, live: live, logger: logger}
}

type handler struct {
	snap   *Snapshot
	live   prometheus.Gatherer
	logger *slog.Logger
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v := variant{format: expfmt.Negotiate(r.Header), gzip: acceptsGzip(r.Header.Get("Accept-Encoding"))}
	snap, err := h.snap.encoded(v)
	if err != nil {
		h.fail(w, "encoding the snapshot", err)
		return
	}
	live, err := h.encodeLive(v, snap.names)
	if err != nil {
		h.fail(w, "gathering the exporter's own metrics", err)
		return
	}
	w.Header().Add("Vary", "Accept")
	w.Header().Add("Vary", "Accept-Encoding")
	w.Header().Set("Content-Type", string(v.format))
	parts := [][]byte{snap.body, live.body}
	if v.gzip {
		parts = gzipMember(snap, live)
		w.Header().Set("Content-Encoding", "gzip")
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	w.Header().Set("Content-Length", strconv.Itoa(n))
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return // the scraper went away
		}
	}
}

func (h *handler) fail(w http.ResponseWriter, what string, err error) {
	h.logger.Error(what+" for a scrape", "err", err)
	http.Error(w, fmt.Sprintf("%s: %v", what, err), http.StatusInternalServerError)
}

// encodeLive gathers and encodes live's metrics, and compresses them as the
// final blocks of a deflate stream when the scrape asks for gzip. A family
// the snapshot also has would be exposed twice, which Prometheus rejects:
// it is an error here as it would be in a single registry.
func (h *handler) encodeLive(v variant, taken map[string]bool) (*liveEncoding, error) {
	mfs, err := h.live.Gather()
	if err != nil {
		return nil, err
	}
	for _, mf := range mfs {
		if taken[mf.GetName()] {
			return nil, fmt.Errorf("metric family %s is both in the snapshot and among the exporter's own metrics", mf.GetName())
		}
	}
	var buf bytes.Buffer
	if err := encode(&buf, v.format, mfs); err != nil {
		return nil, err
	}
	out := &liveEncoding{body: buf.Bytes()}
	if v.gzip {
		out.deflated = finalBlocks(out.body)
	}
	return out, nil
}

type liveEncoding struct {
	body, deflated []byte
}

// A flate writer holds about a megabyte of state: scrapes reuse them.
var liveWriters = sync.Pool{New: func() any {
	fw, _ := flate.NewWriter(nil, flate.BestSpeed) // fails only on a bad level
	return fw
}}

// finalBlocks compresses b as the last blocks of a deflate stream.
func finalBlocks(b []byte) []byte {
	var buf bytes.Buffer
	fw := liveWriters.Get().(*flate.Writer)
	defer liveWriters.Put(fw)
	fw.Reset(&buf)
	// Writing to a bytes.Buffer cannot fail.
	_, _ = fw.Write(b)
	_ = fw.Close()
	return buf.Bytes()
}

func encode(buf *bytes.Buffer, format expfmt.Format, mfs []*dto.MetricFamily) error {
	enc := expfmt.NewEncoder(buf, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}

// gzipMember returns one gzip member (RFC 1952) holding the snapshot then
// live: a header, the snapshot's open deflate stream, live's final blocks,
// and a trailer with the CRC-32 and size of both.
func gzipMember(snap *encoding, live *liveEncoding) [][]byte {
	// ID1 ID2, CM = deflate, no flags, no modification time, XFL 0, OS unknown.
	header := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}
	trailer := binary.LittleEndian.AppendUint32(nil, crc32.Update(snap.crc, crc32.IEEETable, live.body))
	trailer = binary.LittleEndian.AppendUint32(trailer, uint32(snap.size+len(live.body)))
	return [][]byte{header, snap.body, live.deflated, trailer}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			var err error
			if q, err = strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
				return false
			}
		}
		return q > 0
	}
	return false
}
