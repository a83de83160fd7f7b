package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHashSlotsBoundConcurrentHashes: however many sign-ins arrive at once, no more
// password hashes run together than there are slots; a sign-in that cannot get a slot
// gives up when its wait ends, and its hash never runs. Not parallel: it holds every
// slot for a moment.
func TestHashSlotsBoundConcurrentHashes(t *testing.T) {
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 4 * cap(hashSlots) {
		wg.Go(func() {
			err := withHashSlot(context.Background(), func() {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(20 * time.Millisecond)
				running.Add(-1)
			})
			if err != nil {
				t.Errorf("a short burst: %v", err)
			}
		})
	}
	wg.Wait()
	if p := int(peak.Load()); p > cap(hashSlots) || p == 0 {
		t.Errorf("%d hashes ran at once, slots: %d", p, cap(hashSlots))
	}

	// All slots taken: a sign-in gives up when its wait ends, without hashing.
	for range cap(hashSlots) {
		hashSlots <- struct{}{}
	}
	defer func() {
		for range cap(hashSlots) {
			<-hashSlots
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ran := false
	if err := withHashSlot(ctx, func() { ran = true }); err == nil || ran {
		t.Errorf("with every slot taken: ran=%v err=%v", ran, err)
	}
}
