package report

import "sync"

// pageCache keeps the last n report pages by key, for the pages of periods wholly past,
// each with the roll-up's version it was read at (Service.unchanged says whether it
// still holds).
type pageCache struct {
	mu    sync.Mutex
	n     int
	pages map[string]cached
	order []string
}

// cached is a page, the roll-up version it was read at, and the version its figures of
// now (low stock, receivables) were read at.
type cached struct {
	page             Page
	version, current int64
}

func newPageCache(n int) *pageCache { return &pageCache{n: n, pages: map[string]cached{}} }

func (c *pageCache) get(key string) (cached, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pages[key]
	return p, ok
}

// put keeps p under key (in place of what was kept there), forgetting the oldest page
// when n are kept.
func (c *pageCache) put(key string, p cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pages[key]; ok {
		c.pages[key] = p
		return
	}
	if len(c.order) >= c.n {
		delete(c.pages, c.order[0])
		c.order = c.order[1:]
	}
	c.pages[key] = p
	c.order = append(c.order, key)
}
