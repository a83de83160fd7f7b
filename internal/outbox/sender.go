package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/aftersales/aftersales/internal/privacy"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Message is one message as a sender delivers it.
type Message struct {
	ID int64
	// Kind names the template (outbox.msg.<Kind>); Params are its values, for a gateway
	// that fills its own approved template (WeChat template messages, SMS templates).
	Kind   string
	To     string
	Text   string
	Params map[string]string
}

// Sender delivers a message on one channel; an error means it was not delivered and is
// tried again later.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// LogSender writes messages to the log instead of sending them: the default, for sites
// without an SMS or WeChat gateway.
type LogSender struct{ Log *slog.Logger }

// Send logs m, the recipient's number masked: logs are no place for customers' phones.
func (l LogSender) Send(_ context.Context, m Message) error {
	l.Log.Info("outbox message", "id", m.ID, "kind", m.Kind, "to", privacy.MaskPhone(m.To), "text", m.Text)
	return nil
}

// HTTPSender posts each message as JSON to a gateway (an SMS provider's or a WeChat
// template-message relay's endpoint): {"channel", "to", "template", "params", "text"},
// with "Authorization: Bearer <Token>" when a token is set. Any 2xx answer is delivered.
type HTTPSender struct {
	URL     string
	Token   string
	Channel string
	Client  *http.Client
}

// Send posts m to the gateway.
func (h HTTPSender) Send(ctx context.Context, m Message) error {
	body, _ := json.Marshal(map[string]any{"channel": h.Channel, "to": m.To, "template": m.Kind, "params": m.Params, "text": m.Text, "id": m.ID})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	c := h.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close() //nolint:errcheck
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("gateway answered %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}
