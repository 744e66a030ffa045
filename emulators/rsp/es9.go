package rsp

// ES9+ transport facts (SGP.22 §6.1, §6.5), shared by the SM-DP+, the
// card's IPA and the capture decoder.
const (
	// ES9PathPrefix is the route prefix; the function name follows it.
	ES9PathPrefix = "/gsma/rsp2/es9plus/"
	// AdminProtocolHeader carries AdminProtocol on every request and answer.
	AdminProtocolHeader = "X-Admin-Protocol"
	AdminProtocol       = "gsma/rsp/v2.2.0"
	ES9ContentType      = "application/json;charset=UTF-8"
	// ES9Port is the SM-DP+ port when an address names none.
	ES9Port = 443
	// header.functionExecutionStatus.status values.
	StatusSuccess = "Executed-Success"
	StatusFailed  = "Failed"
)

// ES9+ function names (SGP.22 §5.6), the last element of the request path.
const (
	FnInitiateAuthentication = "initiateAuthentication"
	FnAuthenticateClient     = "authenticateClient"
	FnGetBoundProfilePackage = "getBoundProfilePackage"
	FnHandleNotification     = "handleNotification"
	FnCancelSession          = "cancelSession"
)
