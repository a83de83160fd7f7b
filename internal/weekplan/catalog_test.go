package weekplan_test

import (
	"strconv"
	"testing"

	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/weekplan"
)

// TestWeekPlanCatalogKeys covers the keys the pages build at run time from the
// enumerations.
func TestWeekPlanCatalogKeys(t *testing.T) {
	keys := []string{"weekplan.state.none", "weekplan.kind.none"}
	for _, s := range weekplan.States {
		keys = append(keys, "weekplan.state."+string(s))
	}
	for _, tr := range weekplan.Transitions {
		keys = append(keys, "weekplan.event."+string(tr), "weekplan.done."+string(tr), "weekplan.action."+string(tr))
	}
	for _, k := range weekplan.Kinds {
		keys = append(keys, "weekplan.kind."+k)
	}
	for _, p := range weekplan.Parts {
		keys = append(keys, "weekplan.part."+p)
	}
	for d := 0; d < 7; d++ {
		keys = append(keys, "weekplan.weekday."+strconv.Itoa(d))
	}
	for _, lang := range i18n.Languages {
		c := i18n.Catalog(lang)
		for _, k := range keys {
			if _, ok := c[k]; !ok {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
}
