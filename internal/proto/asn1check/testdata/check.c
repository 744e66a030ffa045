/*
 * The independent decoder: asn1c's generated tables and skeletons for the
 * modules in this folder, driven here. Input on stdin, one line each:
 *
 *   DEFAULT <Type> <member> <hex content octets>   a DEFAULT value of the modules
 *   <PDU type> <hex>                               a value to check
 *
 * For each value one line on stdout: "ok <hex of its XER>" or
 * "err <reason>". A value passes when asn1c's BER decoder takes all of it,
 * the constraints hold, and it is DER: re-encoded with asn1c's DER encoder
 * it is the same bytes (definite minimal lengths, minimal INTEGERs, BOOLEAN
 * FF, primitive strings, sorted SET OF, nothing asn1c does not know), no
 * component equal to its DEFAULT is present (X.690 §11.5), and every BIT
 * STRING has zero unused bits, a named-bit one no trailing zero bit
 * (X.690 §11.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

#include "asn_application.h"
#include "asn_internal.h"
#include "constr_SEQUENCE.h"
#include "constr_CHOICE.h"
#include "constr_SET_OF.h"
#include "asn_SET_OF.h"
#include "BIT_STRING.h"

extern asn_TYPE_descriptor_t *asn_pdu_collection[];

struct buf {
	uint8_t *b;
	size_t n, cap;
};

static int put(const void *p, size_t n, void *key) {
	struct buf *b = key;
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->b = realloc(b->b, b->cap);
		if (!b->b)
			return -1;
	}
	memcpy(b->b + b->n, p, n);
	b->n += n;
	return 0;
}

struct dflt {
	char type[128], member[128];
	uint8_t val[128];
	size_t len;
};
static struct dflt dflts[256];
static int ndflts;

static char reason[2048];

/*
 * asn1c 0.9.28 loses constraints: a derived type's descriptor, the first
 * time it decodes, takes its base type's constraint check (which checks no
 * SIZE or range), and a member without its own check caches the type's
 * current one when first checked. So before anything is decoded, every
 * member is given its type's own check, and each PDU's own check is kept
 * to start with.
 */
#define MAXPDU 1024
static asn_TYPE_descriptor_t *visited[8192];
static int nvisited;
static asn_constr_check_f *pduCheck[MAXPDU];

static void prime(asn_TYPE_descriptor_t *td) {
	int i;
	for (i = 0; i < nvisited; i++)
		if (visited[i] == td)
			return;
	if (nvisited == 8192)
		return;
	visited[nvisited++] = td;
	for (i = 0; i < td->elements_count; i++) {
		asn_TYPE_member_t *elm = &td->elements[i];
		if (!elm->memb_constraints)
			elm->memb_constraints = elm->type->check_constraints;
		prime(elm->type);
	}
}

static void ctfail(void *key, asn_TYPE_descriptor_t *td, const void *sptr, const char *fmt, ...) {
	char *buf = key;
	va_list ap;
	(void)sptr;
	if (buf[0])
		return;
	snprintf(buf, 256, "%s: ", td->name);
	va_start(ap, fmt);
	vsnprintf(buf + strlen(buf), 256, fmt, ap);
	va_end(ap);
}

static void fail(const char *f, ...) {
	va_list ap;
	if (reason[0])
		return;
	va_start(ap, f);
	vsnprintf(reason, sizeof reason, f, ap);
	va_end(ap);
}

static int unhex(const char *s, uint8_t *out, size_t max) {
	size_t n = strlen(s), i;
	if (n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

/* content returns the content octets of one DER TLV. */
static const uint8_t *content(const uint8_t *b, size_t n, size_t *clen) {
	size_t i = 0, l;
	if (n < 2)
		return NULL;
	if ((b[i++] & 0x1F) == 0x1F)
		while (i < n && (b[i++] & 0x80))
			;
	if (i >= n)
		return NULL;
	l = b[i++];
	if (l & 0x80) {
		int k = l & 0x7F;
		l = 0;
		while (k-- > 0 && i < n)
			l = (l << 8) | b[i++];
	}
	if (i + l != n)
		return NULL;
	*clen = l;
	return b + i;
}

static void walk(asn_TYPE_descriptor_t *td, const void *sptr, const char *path, const char *mname);

static void member(asn_TYPE_descriptor_t *td, asn_TYPE_member_t *elm, const void *sptr, const char *path) {
	const void *memb;
	char sub[1024];
	int i;
	if (elm->flags & ATF_POINTER) {
		memb = *(const void *const *)((const char *)sptr + elm->memb_offset);
		if (!memb)
			return;
	} else {
		memb = (const char *)sptr + elm->memb_offset;
	}
	snprintf(sub, sizeof sub, "%s.%s", path, elm->name);
	if (elm->default_value) {
		void *p = (void *)memb;
		if (elm->default_value(0, &p) == 1)
			fail("%s is present with its DEFAULT value (DER omits it)", sub);
	}
	for (i = 0; i < ndflts; i++) {
		struct buf b = {0};
		const uint8_t *c;
		size_t clen;
		asn_enc_rval_t er;
		if (strcmp(dflts[i].type, td->name) || strcmp(dflts[i].member, elm->name))
			continue;
		er = elm->type->der_encoder(elm->type, (void *)memb, elm->tag_mode, elm->tag, put, &b);
		if (er.encoded >= 0 && (c = content(b.b, b.n, &clen)) && clen == dflts[i].len &&
		    !memcmp(c, dflts[i].val, clen))
			fail("%s is present with its DEFAULT value (DER omits it)", sub);
		free(b.b);
	}
	walk(elm->type, memb, sub, elm->name);
}

static void walk(asn_TYPE_descriptor_t *td, const void *sptr, const char *path, const char *mname) {
	int i;
	if (td->print_struct == SEQUENCE_print) {
		for (i = 0; i < td->elements_count; i++)
			member(td, &td->elements[i], sptr, path);
	} else if (td->print_struct == CHOICE_print) {
		const asn_CHOICE_specifics_t *s = td->specifics;
		const char *p = (const char *)sptr + s->pres_offset;
		int pres = s->pres_size == sizeof(int) ? *(const int *)p : s->pres_size == sizeof(short) ? *(const short *)p : *(const char *)p;
		if (pres > 0 && pres <= td->elements_count)
			member(td, &td->elements[pres - 1], sptr, path);
	} else if (td->print_struct == SET_OF_print) {
		const asn_anonymous_set_ *list = _A_CSET_FROM_VOID(sptr);
		char sub[1024];
		for (i = 0; i < list->count; i++) {
			snprintf(sub, sizeof sub, "%s[%d]", path, i);
			walk(td->elements[0].type, list->array[i], sub, td->elements[0].name);
		}
	} else if (td->print_struct == BIT_STRING_print) {
		const BIT_STRING_t *bs = sptr;
		if (bs->size == 0) {
			if (bs->bits_unused)
				fail("%s: empty BIT STRING with %d unused bits", path, bs->bits_unused);
			return;
		}
		uint8_t last = bs->buf[bs->size - 1];
		if (last & ((1 << bs->bits_unused) - 1))
			fail("%s: BIT STRING unused bits are not zero (X.690 11.2.1)", path);
		/* Every BIT STRING of these modules has named bits but the
		 * certificates' signatures and keys and UniqueIdentifier. */
		int plain = !strcmp(td->name, "UniqueIdentifier") ||
			    (mname && (!strcmp(mname, "signature") || !strcmp(mname, "subjectPublicKey") ||
				       !strcmp(mname, "issuerUniqueID") || !strcmp(mname, "subjectUniqueID")));
		if (!plain && !((last >> bs->bits_unused) & 1))
			fail("%s: named-bit BIT STRING ends in a zero bit (X.690 11.2.2)", path);
	}
}

static void check(asn_TYPE_descriptor_t *td, asn_constr_check_f *constraints, const uint8_t *in, size_t n) {
	void *v = NULL;
	struct buf der = {0}, xer = {0};
	char cerr[512] = {0};
	asn_dec_rval_t rv;
	size_t i;

	reason[0] = 0;
	rv = ber_decode(0, td, &v, in, n);
	if (rv.code != RC_OK) {
		fail("%s: BER decoding failed at byte %zu of %zu", td->name, rv.consumed, n);
	} else if (rv.consumed != n) {
		fail("%s: %zu trailing bytes after %zu", td->name, n - rv.consumed, rv.consumed);
	} else if (constraints(td, v, ctfail, cerr)) {
		fail("%s: constraint: %s", td->name, cerr);
	} else if (der_encode(td, v, put, &der).encoded < 0) {
		fail("%s: asn1c cannot DER-encode it", td->name);
	} else if (der.n != n || memcmp(der.b, in, n)) {
		size_t at = 0;
		while (at < n && at < der.n && der.b[at] == in[at])
			at++;
		fail("%s: not DER: asn1c's DER encoding (%zu bytes) differs from ours (%zu bytes) at byte %zu", td->name, der.n, n, at);
	} else {
		walk(td, v, td->name, NULL);
	}
	if (!reason[0] && xer_encode(td, v, XER_F_BASIC, put, &xer).encoded < 0)
		fail("%s: XER encoding failed", td->name);
	if (reason[0]) {
		for (i = 0; reason[i]; i++)
			if (reason[i] == '\n')
				reason[i] = ' ';
		printf("err %s\n", reason);
	} else {
		printf("ok ");
		for (i = 0; i < xer.n; i++)
			printf("%02x", xer.b[i]);
		printf("\n");
	}
	fflush(stdout);
	ASN_STRUCT_FREE(*td, v);
	free(der.b);
	free(xer.b);
}

int main(void) {
	static char line[1 << 21];
	static uint8_t in[1 << 20];
	int k;
	for (k = 0; asn_pdu_collection[k] && k < MAXPDU; k++)
		pduCheck[k] = asn_pdu_collection[k]->check_constraints;
	for (k = 0; asn_pdu_collection[k] && k < MAXPDU; k++)
		prime(asn_pdu_collection[k]);
	while (fgets(line, sizeof line, stdin)) {
		char *name = strtok(line, " \r\n"), *a = strtok(NULL, " \r\n");
		int n;
		asn_TYPE_descriptor_t **p;
		if (!name || !a) {
			printf("err malformed input line\n");
			continue;
		}
		if (!strcmp(name, "DEFAULT")) {
			char *m = strtok(NULL, " \r\n"), *h = strtok(NULL, " \r\n");
			struct dflt *d = &dflts[ndflts];
			if (!m || !h || ndflts == 256 || strlen(a) >= sizeof d->type || strlen(m) >= sizeof d->member ||
			    (n = unhex(h, d->val, sizeof d->val)) < 0) {
				printf("err bad DEFAULT line\n");
				continue;
			}
			strcpy(d->type, a);
			strcpy(d->member, m);
			d->len = (size_t)n;
			ndflts++;
			printf("ok\n");
			fflush(stdout);
			continue;
		}
		for (p = asn_pdu_collection; *p && strcmp((*p)->name, name); p++)
			;
		if (!*p) {
			printf("err no type %s in the modules\n", name);
			continue;
		}
		if ((n = unhex(a, in, sizeof in)) < 0) {
			printf("err bad hex\n");
			continue;
		}
		check(*p, pduCheck[p - asn_pdu_collection], in, (size_t)n);
	}
	return 0;
}
