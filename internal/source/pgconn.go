package source

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/lib/pq"
)

// connector opens lib/pq connections whose network connection the exporter
// can close. lib/pq answers a cancelled context with a cancel request only,
// and waits for the server's answer; a server that has stopped (SIGSTOP, a
// hung host, a port that accepts and never answers) would hold the
// collection, the reload and the shutdown behind it for as long as it stays
// silent. Closing the network connection ends every read at once.
type connector struct {
	pq   *pq.Connector
	mu   sync.Mutex
	nets map[driver.Conn]*netConn
}

func newConnector(dsn string) (*connector, error) {
	p, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	c := &connector{pq: p, nets: map[driver.Conn]*netConn{}}
	p.Dialer(c)
	return c, nil
}

// dialing collects the connections dialled for one Connect, whose context
// bounds them until it returns.
type dialing struct {
	ctx   context.Context
	conns []*netConn
}

type dialingKey struct{}

// Connect opens a connection. Until it is open, the caller's context bounds
// it: a server that accepts and never answers the start-up ends with it.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	d := &dialing{ctx: ctx}
	dc, err := c.pq.Connect(context.WithValue(ctx, dialingKey{}, d))
	for _, nc := range d.conns {
		nc.unwatch()
	}
	if err != nil {
		return nil, err
	}
	if len(d.conns) == 0 {
		dc.Close()
		return nil, errors.New("postgres connection opened without the source's dialer")
	}
	nc := d.conns[len(d.conns)-1] // the one the last host tried answered on
	c.mu.Lock()
	c.nets[dc] = nc
	nc.forget = func() { delete(c.nets, dc) }
	c.mu.Unlock()
	return dc, nil
}

func (c *connector) Driver() driver.Driver { return c.pq.Driver() }

// closeWith closes the network connection under conn when ctx ends. The
// returned function stops that; call it before releasing conn.
func (c *connector) closeWith(ctx context.Context, conn *sql.Conn) (stop func() bool, err error) {
	var nc *netConn
	err = conn.Raw(func(dc any) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		if nc = c.nets[dc.(driver.Conn)]; nc == nil {
			return errors.New("postgres connection opened without the source's dialer")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return context.AfterFunc(ctx, func() { nc.Close() }), nil
}

// netConn is a network connection to PostgreSQL that the connector can
// find from lib/pq's connection.
type netConn struct {
	net.Conn
	c       *connector
	unwatch func() bool
	forget  func() // guarded by c.mu
}

func (n *netConn) Close() error {
	n.c.mu.Lock()
	if n.forget != nil {
		n.forget()
		n.forget = nil
	}
	n.c.mu.Unlock()
	return n.Conn.Close()
}

// Dial, DialTimeout and DialContext dial for lib/pq. A connection dialled
// outside Connect (a cancel request) lives no longer than its context's
// deadline: it too may meet a server that never answers.
func (c *connector) Dial(network, address string) (net.Conn, error) {
	return c.DialContext(context.Background(), network, address)
}

func (c *connector) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return c.DialContext(ctx, network, address)
}

func (c *connector) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	nc := &netConn{Conn: conn, c: c, unwatch: func() bool { return false }}
	if di, ok := ctx.Value(dialingKey{}).(*dialing); ok {
		nc.unwatch = context.AfterFunc(di.ctx, func() { conn.Close() })
		di.conns = append(di.conns, nc)
	} else if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	return nc, nil
}
