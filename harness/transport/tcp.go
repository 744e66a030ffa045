package transport

import (
	"context"
	"fmt"
	"net"
	"time"
)

// dialTCP connects to a serial port that ser2net exports as raw TCP
// (`accepter: tcp,PORT`): bytes pass unchanged both ways, and the line
// settings are ser2net's (its connector's "115200n81").
func dialTCP(ctx context.Context, hostport string, cfg Config) (net.Conn, error) {
	if _, _, err := net.SplitHostPort(hostport); err != nil {
		return nil, fmt.Errorf("tcp://%s: want tcp://host:port: %w", hostport, err)
	}
	d := net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 15 * time.Second}
	c, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return nil, fmt.Errorf("tcp://%s: %w", hostport, err)
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true) // AT lines are small and latency-bound
	}
	return c, nil
}
