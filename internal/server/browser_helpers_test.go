package server_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
)

// browser returns a tab in a fresh browser context (own cookies) of one headless
// Chromium shared by the package's tests. It fails the test when Chromium is missing:
// `make test` installs it.
func browser(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		path := ""
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
		if path == "" {
			browserErr = errNoChromium
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.DisableGPU,
			chromedp.Flag("accept-lang", "zh-CN,zh"),
			chromedp.Flag("lang", "zh-CN"),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-quic", true),
			chromedp.WindowSize(1280, 900),
		)
		if os.Geteuid() == 0 {
			opts = append(opts, chromedp.NoSandbox)
		}
		alloc, _ := chromedp.NewExecAllocator(context.Background(), opts...)
		browserCtx, _ = chromedp.NewContext(alloc)
		browserErr = chromedp.Do(browserCtx)
	})
	if browserErr != nil {
		t.Fatalf("browser: %v", browserErr)
	}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// A ceiling for a hung browser only: journeys wait on conditions, and a busy 2-core
	// machine can take minutes for a long one.
	ctx, cancelTimeout := context.WithTimeout(ctx, 240*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

type chromiumMissing struct{}

func (chromiumMissing) Error() string {
	return "no chromium on PATH: run `make test`, which installs it (apt-get install chromium fonts-wqy-microhei)"
}

var errNoChromium error = chromiumMissing{}

// screenshot saves a full-page PNG under test-artifacts/screenshots/.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join(repoRoot(t), "test-artifacts", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// uiSignIn signs in through the real form.
func uiSignIn(t *testing.T, ctx context.Context, base, username, password string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), password+"\r"),
		chromedp.WaitVisible(chromedp.ID("current-user")),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", username, err)
	}
}

// text reads an element's text. A page that is still being replaced (a redirect after a
// post, a list swapped in) can drop the node between finding and reading it, so a failed
// read is tried again on the live document for a while before the test fails.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
		if err == nil {
			return strings.TrimSpace(s)
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("text of %s: %v", css, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// follow clicks a link and waits for the page it opens to load, so later steps find
// their nodes on the new document rather than on one that is being replaced.
func follow(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(css))); err != nil {
		t.Fatalf("follow %s: %v", css, err)
	}
}

// typeAndSubmit types into a field and presses Enter, waiting for the page that answers.
// A node dropped while the document settles is looked up again on the live page, with
// the field cleared first so nothing is typed twice.
func typeAndSubmit(t *testing.T, ctx context.Context, css, keys string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const f = document.querySelector(%q); if (f) f.value = ""; return !!f })()`, css)))
		if err == nil {
			_, err = chromedp.RunResponse(ctx, chromedp.SendKeys(chromedp.CSS(css), keys+"\r"))
		}
		if err == nil {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("type %q into %s: %v", keys, css, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func repoRoot(t *testing.T) string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}
