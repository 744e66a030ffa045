// Package saip is the interoperable eUICC profile package of the TCA (ex
// SIMalliance) "eUICC Profile Package: Interoperable Format Technical
// Specification" v2.3.1, module PEDefinitions: the DER profile elements an
// SM-DP+ sends in the 86 segments of a bound profile package, and the
// EUICCResponse an eUICC answers with. The SM-DP+ builds packages with
// Build; the card reads them with Parse, which refuses what it cannot
// install with the PEStatus code the specification names, so that nothing
// is installed half.
//
// PEDefinitions uses AUTOMATIC TAGS: the n-th alternative of ProfileElement
// is context tag [n] (header A0 ... end AA, mf B0, usim B3, opt-usim B4),
// and within a SEQUENCE without tags of its own the n-th component is [n].
package saip

import (
	"encoding/asn1"
	"errors"
	"fmt"
)

// The specification version built to (ProfileHeader major/minor-version)
// and announced in EUICCInfo2 profileVersion.
const (
	MajorVersion = 2
	MinorVersion = 3
)

// ProfileElement tags (the CHOICE alternatives, automatic tags).
const (
	TagHeader         = 0xA0
	TagGFM            = 0xA1 // genericFileManagement
	TagPINCodes       = 0xA2
	TagPUKCodes       = 0xA3
	TagAKAParameter   = 0xA4
	TagCDMAParameter  = 0xA5
	TagSecurityDomain = 0xA6
	TagRFM            = 0xA7
	TagApplication    = 0xA8
	TagNonStandard    = 0xA9
	TagEnd            = 0xAA
	TagMF             = 0xB0
	TagCD             = 0xB1
	TagTelecom        = 0xB2
	TagUSIM           = 0xB3
	TagOptUSIM        = 0xB4
)

// File system template OIDs (the specification's Annex A, under
// joint-iso-itu-t(2) international-organizations(23) tca(143)
// euicc-profile(1) templates(2)).
var (
	OIDTemplateMF      = asn1.ObjectIdentifier{2, 23, 143, 1, 2, 1}
	OIDTemplateTelecom = asn1.ObjectIdentifier{2, 23, 143, 1, 2, 3}
	OIDTemplateUSIM    = asn1.ObjectIdentifier{2, 23, 143, 1, 2, 4}
	OIDTemplateOptUSIM = asn1.ObjectIdentifier{2, 23, 143, 1, 2, 5}
)

// PEStatus status values (PEStatus.status).
const (
	StatusOK                   = 0
	StatusPENotSupported       = 1
	StatusMemoryFailure        = 2
	StatusBadValues            = 3
	StatusNotEnoughMemory      = 4
	StatusInvalidRequestFormat = 5
	StatusInvalidParameter     = 6
	StatusRuntimeNotSupported  = 7
	StatusLibNotSupported      = 8
	StatusTemplateNotSupported = 9
	StatusFeatureNotSupported  = 10
	StatusPINCodeMissing       = 11
	StatusUnsupportedVersion   = 31
)

// PEError is a profile package the card refuses: the PEStatus to report,
// the identification number of the profile element at fault (-1 when
// none) and its byte offset in the package.
type PEError struct {
	Status int
	ID     int
	Offset int
	Err    error
}

func (e *PEError) Error() string {
	return fmt.Sprintf("profile element %d at offset %d: status %d: %v", e.ID, e.Offset, e.Status, e.Err)
}

func (e *PEError) Unwrap() error { return e.Err }

// ErrPackage is wrapped by every PEError.
var ErrPackage = errors.New("saip: profile package refused")

func peErr(status, id, off int, format string, a ...any) *PEError {
	return &PEError{Status: status, ID: id, Offset: off, Err: fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), ErrPackage)}
}

// Response returns the EUICCResponse reporting e, with
// profileInstallationAborted set.
func (e *PEError) Response() EUICCResponse {
	s := PEStatus{Status: e.Status, ID: e.ID, Info: -1, Offset: e.Offset}
	return EUICCResponse{Status: []PEStatus{s}, Aborted: true}
}
