package workorder

import (
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/workflow"
)

// The workflow's vocabulary, as the work-order package and its callers name it. The
// machine itself is internal/workflow.
type (
	State      = workflow.State
	Transition = workflow.Transition
	Role       = workflow.Role
	Actor      = workflow.Actor
	Facts      = workflow.Facts
)

// The states.
const (
	Received         = workflow.Received
	Assessing        = workflow.Assessing
	AwaitingDispatch = workflow.AwaitingDispatch
	Dispatched       = workflow.Dispatched
	Scheduled        = workflow.Scheduled
	InProgress       = workflow.InProgress
	AwaitingParts    = workflow.AwaitingParts
	InWorkshop       = workflow.InWorkshop
	AwaitingCallback = workflow.AwaitingCallback
	Closed           = workflow.Closed
	Cancelled        = workflow.Cancelled
)

// The transitions.
const (
	ResolveByPhone      = workflow.ResolveByPhone
	Forward             = workflow.Forward
	Assess              = workflow.Assess
	ResolveRemotely     = workflow.ResolveRemotely
	Assign              = workflow.Assign
	Reassign            = workflow.Reassign
	MakeAppointment     = workflow.MakeAppointment
	Reschedule          = workflow.Reschedule
	CheckIn             = workflow.CheckIn
	AwaitParts          = workflow.AwaitParts
	PartsArrived        = workflow.PartsArrived
	TakeToWorkshop      = workflow.TakeToWorkshop
	Complete            = workflow.Complete
	CallbackAttempt     = workflow.CallbackAttempt
	CallbackSatisfied   = workflow.CallbackSatisfied
	CallbackUnsatisfied = workflow.CallbackUnsatisfied
	CloseUnreachable    = workflow.CloseUnreachable
	Cancel              = workflow.Cancel
	RemedialCallback    = workflow.RemedialCallback
)

// The roles.
const (
	RoleHotline     = workflow.RoleHotline
	RoleSupervisor  = workflow.RoleSupervisor
	RoleTechnician  = workflow.RoleTechnician
	RoleStorekeeper = workflow.RoleStorekeeper
	RoleManager     = workflow.RoleManager
	RoleAdmin       = workflow.RoleAdmin
)

// The lists, in workflow order.
var (
	States      = workflow.States
	Transitions = workflow.Transitions
	Roles       = workflow.Roles
)

// Next and Allowed are the machine's: see internal/workflow.
var (
	Next    = workflow.Next
	Allowed = workflow.Allowed
)

// visible is the one visibility rule (workflow.Sees) applied to an order.
func visible(o Order, a auth.Actor) bool { return workflow.Sees(a, o.StationID, o.AssigneeID) }
