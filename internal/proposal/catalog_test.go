package proposal_test

import (
	"testing"

	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/proposal"
)

// TestCatalogKeys covers the keys the pages build at run time from the enumerations.
func TestProposalCatalogKeys(t *testing.T) {
	var keys []string
	for _, s := range proposal.States {
		keys = append(keys, "proposal.state."+string(s), "proposal.tell_hint."+string(s))
	}
	for _, tr := range proposal.Transitions {
		keys = append(keys, "proposal.event."+string(tr), "proposal.done."+string(tr))
		if tr != proposal.Log {
			keys = append(keys, "proposal.action."+string(tr))
		}
	}
	for _, a := range []string{"adopt", "keep", "reject"} {
		keys = append(keys, "proposal.confirm."+a)
	}
	for prefix, values := range map[string][]string{"proposal.channel.": proposal.Channels,
		"proposal.category.": proposal.Categories, "proposal.via.": proposal.Vias} {
		for _, v := range values {
			keys = append(keys, prefix+v)
		}
	}
	for _, lang := range i18n.Languages {
		c := i18n.Catalog(lang)
		for _, k := range keys {
			if _, ok := c[k]; !ok && k != "proposal.tell_hint.logged" {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
}
