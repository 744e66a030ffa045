package saip

import (
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/fcp"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// The files of the templates Build's packages name (TCA eUICC Profile
// Package: Interoperable Format Technical Specification, Annex A: MF
// 2.23.143.1.2.1, DF TELECOM 2.23.143.1.2.3, ADF USIM 2.23.143.1.2.4, the
// USIM's optional files 2.23.143.1.2.5), as an installer creates them when
// a File carries no Fcp: structure, size, and the record of the EF ARR
// beside them that states their access rule. A File whose size or
// structure differs carries an Fcp saying so (Build does this from the
// table), and a File whose template gives no size must carry one.

// TemplateFile is one file of a template.
type TemplateFile struct {
	PE   uint32 // the profile element's tag
	Tag  uint32 // the File component's tag in it
	FID  uint16
	Name string
	// DF is true for the MF, a DF or an ADF.
	DF bool
	// RecLen is a linear fixed EF's record length, 0 for a transparent
	// one, -1 for a linear fixed one whose record length and count the
	// template leaves to the package; Size its size in bytes (transparent)
	// or records (linear fixed), 0 when left to the package.
	RecLen, Size int
	// ARR is the EF ARR record of its access rule.
	ARR byte
}

// Template lists the template files Build fills, in each element's order.
var Template = []TemplateFile{
	{PE: TagMF, Tag: 0xA2, FID: 0x3F00, Name: "MF", DF: true, ARR: ARRDF},
	{PE: TagMF, Tag: 0xA4, FID: 0x2FE2, Name: "ICCID", Size: 10, ARR: ARRReadAlwaysUpdateNever},
	{PE: TagMF, Tag: 0xA5, FID: 0x2F00, Name: "DIR", RecLen: -1, ARR: ARRReadAlwaysUpdateADM},
	{PE: TagMF, Tag: 0xA6, FID: 0x2F06, Name: "ARR", RecLen: -1, ARR: ARRReadAlwaysUpdateADM},
	{PE: TagTelecom, Tag: 0xA2, FID: 0x7F10, Name: "TELECOM", DF: true, ARR: ARRDF},
	{PE: TagTelecom, Tag: 0xA3, FID: 0x6F06, Name: "ARR", RecLen: -1, ARR: ARRReadAlwaysUpdateADM},
	{PE: TagUSIM, Tag: 0xA2, FID: USIMFID, Name: "USIM", DF: true, ARR: ARRDF},
	{PE: TagUSIM, Tag: 0xA3, FID: 0x6F07, Name: "IMSI", Size: 9, ARR: ARRReadPINUpdateADM},
	{PE: TagUSIM, Tag: 0xA4, FID: 0x6F06, Name: "ARR", RecLen: -1, ARR: ARRReadAlwaysUpdateADM},
	{PE: TagUSIM, Tag: 0xA5, FID: 0x6F08, Name: "Keys", Size: 33, ARR: ARRReadPINUpdatePIN},
	{PE: TagUSIM, Tag: 0xA6, FID: 0x6F09, Name: "KeysPS", Size: 33, ARR: ARRReadPINUpdatePIN},
	{PE: TagUSIM, Tag: 0xA7, FID: 0x6F31, Name: "HPPLMN", Size: 1, ARR: ARRReadPINUpdateADM},
	{PE: TagUSIM, Tag: 0xA8, FID: 0x6F38, Name: "UST", Size: 14, ARR: ARRReadPINUpdateADM},
	{PE: TagUSIM, Tag: 0xAA, FID: 0x6F3C, Name: "SMS", RecLen: 176, Size: 10, ARR: ARRReadPINUpdatePIN},
	{PE: TagUSIM, Tag: 0xAB, FID: 0x6F42, Name: "SMSP", RecLen: 38, Size: 1, ARR: ARRReadPINUpdatePIN},
	{PE: TagUSIM, Tag: 0xAC, FID: 0x6F43, Name: "SMSS", Size: 2, ARR: ARRReadPINUpdatePIN},
	{PE: TagUSIM, Tag: 0xAD, FID: 0x6F46, Name: "SPN", Size: 17, ARR: ARRReadAlwaysUpdateADM},
	{PE: TagUSIM, Tag: 0xAE, FID: 0x6F56, Name: "EST", Size: 1, ARR: ARRReadPINUpdatePIN2},
	{PE: TagUSIM, Tag: 0xAF, FID: 0x6F5B, Name: "START-HFN", Size: 6, ARR: ARRReadPINUpdatePIN},
	{PE: TagUSIM, Tag: 0xB0, FID: 0x6F5C, Name: "THRESHOLD", Size: 3, ARR: ARRReadPINUpdateADM},
	{PE: TagUSIM, Tag: 0xB1, FID: 0x6F73, Name: "PSLOCI", Size: 14, ARR: ARRReadPINUpdatePIN},
	{PE: TagUSIM, Tag: 0xB2, FID: 0x6F78, Name: "ACC", Size: 2, ARR: ARRReadPINUpdateADM},
	{PE: TagUSIM, Tag: 0xB3, FID: 0x6F7B, Name: "FPLMN", Size: 12, ARR: ARRReadPINUpdatePIN},
	{PE: TagUSIM, Tag: 0xB4, FID: 0x6F7E, Name: "LOCI", Size: 11, ARR: ARRReadPINUpdatePIN},
	{PE: TagUSIM, Tag: 0xB5, FID: 0x6FAD, Name: "AD", Size: 4, ARR: ARRReadAlwaysUpdateADM},
	{PE: TagUSIM, Tag: 0xB6, FID: 0x6FB7, Name: "ECC", RecLen: 4, Size: 1, ARR: ARRReadAlwaysUpdateADM},
	{PE: TagUSIM, Tag: 0xB7, FID: 0x6FC4, Name: "NETPAR", Size: 128, ARR: ARRReadPINUpdatePIN},
	{PE: TagUSIM, Tag: 0xB8, FID: 0x6FE3, Name: "EPSLOCI", Size: 18, ARR: ARRReadPINUpdatePIN},
	{PE: TagUSIM, Tag: 0xB9, FID: 0x6FE4, Name: "EPSNSC", RecLen: 80, Size: 1, ARR: ARRReadPINUpdatePIN},
	{PE: TagOptUSIM, Tag: 0xA2, FID: 0x6F05, Name: "LI", Size: 6, ARR: ARRReadAlwaysUpdatePIN},
	{PE: TagOptUSIM, Tag: 0xA7, FID: 0x6F40, Name: "MSISDN", RecLen: 24, Size: 1, ARR: ARRReadPINUpdateADM},
	{PE: TagOptUSIM, Tag: 0xAF, FID: 0x6F60, Name: "PLMNwAcT", Size: 40, ARR: ARRReadPINUpdatePIN},
	{PE: TagOptUSIM, Tag: 0xB0, FID: 0x6F61, Name: "OPLMNwAcT", Size: 40, ARR: ARRReadPINUpdateADM},
	{PE: TagOptUSIM, Tag: 0xB1, FID: 0x6F62, Name: "HPLMNwAcT", Size: 5, ARR: ARRReadPINUpdateADM},
	// ef-ehplmn, PE-OPT-USIM's 59th component ([58]); the template
	// leaves its size to the package (n × 3 bytes).
	{PE: TagOptUSIM, Tag: 0xBF3A, FID: 0x6FD9, Name: "EHPLMN", ARR: ARRReadPINUpdateADM},
}

// USIMFID is the file identifier the package gives ADF USIM (its Fcp's
// fileID), and the one the card's FCP of the ADF states.
const USIMFID = 0x7FF1

// templateFile returns the file of element pe's component tag.
func templateFile(pe, tag uint32) (TemplateFile, bool) {
	for _, f := range Template {
		if f.PE == pe && f.Tag == tag {
			return f, true
		}
	}
	return TemplateFile{}, false
}

// ef is the File component tag of element pe for an EF with content,
// linear fixed in records of recLen bytes (0: transparent). When the
// template creates the file otherwise (another structure, size or record
// length, or no size at all), the File starts with an Fcp giving the file
// descriptor (82) and efFileSize (80), in the order the Fcp SEQUENCE has
// them; else it holds the content alone.
func ef(pe, tag uint32, content []byte, recLen int) tlv.TLV {
	t, ok := templateFile(pe, tag)
	if !ok {
		panic(fmt.Sprintf("saip: no template file %X in element %X", tag, pe))
	}
	size := len(content)
	if recLen > 0 {
		size = len(content) / recLen
	}
	if t.RecLen == recLen && t.Size == size {
		return file(tag, content)
	}
	desc := fcp.Descriptor{Structure: fcp.Transparent, Shareable: true}
	if recLen > 0 {
		desc = fcp.Descriptor{Structure: fcp.LinearFixed, Shareable: true, RecLen: recLen}
	}
	return file(tag, content, tlv.New(0x82, desc.Bytes()), tlv.New(0x80, []byte{byte(len(content) >> 8), byte(len(content))}))
}

// CreatedFile is a file as an installer creates it from a package: the
// template's, or what the File's Fcp says instead.
type CreatedFile struct {
	TemplateFile
	// Content is what the package writes from the start of the file.
	Content []byte
}

// Created returns every EF and DF the package's template elements (MF,
// TELECOM, USIM, OPT-USIM) create, with the size each gets: the
// template's unless the File's Fcp gives a file descriptor or a size. A
// File of a component the templates here do not know, one without a size,
// or one whose content does not fit the file is an error.
func Created(pkg []byte) ([]CreatedFile, error) {
	pes, err := tlv.Parse(pkg)
	if err != nil {
		return nil, fmt.Errorf("saip: created files: %w", err)
	}
	var out []CreatedFile
	for _, p := range pes {
		if p.Tag != TagMF && p.Tag != TagTelecom && p.Tag != TagUSIM && p.Tag != TagOptUSIM {
			continue
		}
		c, err := children(p, pe{id: -1})
		if err != nil {
			return nil, err
		}
		files, err := content(c, pe{id: -1})
		if err != nil {
			return nil, err
		}
		for _, tag := range componentTags(c) {
			t, ok := templateFile(p.Tag, tag)
			if !ok {
				return nil, fmt.Errorf("saip: element %X: file %X is none the templates here know", p.Tag, tag)
			}
			f, created := createdAs(t, c[tag])
			if !created {
				continue
			}
			f.Content = files[tag]
			if !t.DF {
				bytesOf := f.Size
				if f.RecLen > 0 {
					bytesOf *= f.RecLen
				}
				if f.RecLen < 0 || bytesOf == 0 || len(f.Content) > bytesOf {
					return nil, fmt.Errorf("saip: EF %s (%04X): %d bytes of content for a file of %d", t.Name, t.FID, len(f.Content), bytesOf)
				}
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// createdAs is the file a File component of template file t creates:
// the template's structure and size unless its Fcp gives a file
// descriptor or a size; false when it says doNotCreate. The component's
// parts were read (content) before.
func createdAs(t TemplateFile, comp tlv.TLV) (CreatedFile, bool) {
	f := CreatedFile{TemplateFile: t}
	parts, _ := comp.Children()
	for _, part := range parts {
		if part.Tag == 0x80 { // doNotCreate
			return f, false
		}
		if part.Tag != 0xA1 {
			continue
		}
		params, _ := part.Children()
		if d, ok := tlv.Find(params, 0x82); ok && !t.DF {
			desc, err := fcp.ParseDescriptor(d.Value)
			f.RecLen = 0
			if err == nil && desc.Structure == fcp.LinearFixed {
				f.RecLen = desc.RecLen
			}
		}
		if s, ok := tlv.Find(params, 0x80); ok {
			n := 0
			for _, b := range s.Value {
				n = n<<8 | int(b)
			}
			f.Size = n
			if f.RecLen > 0 {
				f.Size = n / f.RecLen
			}
		}
	}
	return f, true
}

// componentTags are the File components (A2 and up) of an element, in
// tag order.
func componentTags(c map[uint32]tlv.TLV) []uint32 {
	var tags []uint32
	for tag := uint32(0xA2); tag <= 0xBF; tag++ {
		if _, ok := c[tag]; ok {
			tags = append(tags, tag)
		}
	}
	return tags
}
