package workorder_test

import (
	"testing"

	wo "github.com/aftersales/aftersales/internal/workorder"
)

func TestOrderInEveryState(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, s := range wo.States {
		o := f.orderIn(s, false)
		if o.State != s {
			t.Errorf("orderIn(%s) gave %s", s, o.State)
		}
	}
}
