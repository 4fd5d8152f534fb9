/*
 * an_pe.c — analyser: PE file infectors (XiaoBa / XIAOBAMINER style).
 *
 * Parses each PE with our bounded parser (pe.c) and weighs the structural
 * marks of an appending infector (pe_assess). One property alone is common
 * in packed but legitimate software (UPX puts the entry point in a later,
 * writable and executable section), so single weak marks only raise the
 * low-level anomaly rule; the infector rule needs the jump back to the
 * original entry point, or an entry point in a section's slack or outside
 * its raw data, together with a second mark. Evidence lists every property
 * that fired and the section table (capped).
 *
 * Input: the whole file as a borrowed view. No allocation besides the
 * evidence buffer. Threading: stateless; safe on any number of workers.
 */
#include "core/compat.h"
#include "files/analyser.h"
#include "files/pe.h"

#define PE_EVIDENCE_MAX (16 * 1024)
#define PE_EVIDENCE_SECTIONS 16

static const struct mm_rule_meta rule_infector = {
	.id = "mamori.files.pe.infector",
	.name = "PE file infected by an appending file infector",
	.engine = "files",
	.ruleset = "builtin",
	.category = "infector",
	.level = MM_LEVEL_HIGH,
	.description = "The entry point of the PE runs a stub outside the original code "
		       "(last section, section slack, or outside the raw data) that jumps back "
		       "to the original entry point: the layout file infectors such as "
		       "XiaoBa/XIAOBAMINER leave in the executables they infect.",
	.references = { "https://attack.mitre.org/techniques/T1080/",
			"https://attack.mitre.org/techniques/T1554/", NULL },
	.techniques = { "T1080", "T1554", "T1496", NULL },
	.tactics = { "lateral-movement", "persistence", "impact", NULL },
};

static const struct mm_rule_meta rule_anomaly = {
	.id = "mamori.files.pe.entrypoint-anomaly",
	.name = "PE entry point or section layout no linker produces",
	.engine = "files",
	.ruleset = "builtin",
	.category = "infector",
	.level = MM_LEVEL_LOW,
	.description = "One structural mark of a file infector or a packer: entry point in "
		       "the last section, a writable and executable last section, a section "
		       "with a non-printable name or far more raw than virtual bytes. Packed "
		       "legitimate software shows these too, hence the low level.",
	.references = { "https://attack.mitre.org/techniques/T1027/002/", NULL },
	.techniques = { "T1027.002", "T1080", NULL },
	.tactics = { "defense-evasion", NULL },
};

static int pe_register(struct mm_catalogue *cat, const struct mm_config *cfg)
{
	int rc;

	(void)cfg;
	rc = mm_catalogue_add(cat, &rule_infector, NULL);
	if (rc < 0 && rc != MM_EEXIST)
		return rc;
	rc = mm_catalogue_add(cat, &rule_anomaly, NULL);
	if (rc < 0 && rc != MM_EEXIST)
		return rc;
	return 0;
}

static void hex32(struct mm_json *j, const char *key, uint64_t v)
{
	char tmp[24];

	snprintf(tmp, sizeof tmp, "0x%" PRIx64, v);
	mm_json_str(j, key, tmp);
}

static void section_json(struct mm_json *j, const char *key, const struct pe_section *s)
{
	char fl[4];

	fl[0] = (s->characteristics & PE_SCN_MEM_READ) ? 'r' : '-';
	fl[1] = (s->characteristics & PE_SCN_MEM_WRITE) ? 'w' : '-';
	fl[2] = (s->characteristics & PE_SCN_MEM_EXECUTE) ? 'x' : '-';
	fl[3] = '\0';
	mm_json_object_begin(j, key);
	mm_json_strn(j, "name", s->name, strlen(s->name));
	hex32(j, "vaddr", s->vaddr);
	mm_json_uint(j, "vsize", s->vsize);
	mm_json_uint(j, "raw_offset", s->raw_ptr);
	mm_json_uint(j, "raw_size", s->raw_size);
	mm_json_str(j, "perm", fl);
	hex32(j, "characteristics", s->characteristics);
	mm_json_object_end(j);
}

static bool import_json(const char *dll, size_t len, void *arg)
{
	mm_json_strn(arg, NULL, dll, len);
	return true;
}

static int build_evidence(const struct pe_file *pe, const struct pe_assessment *as,
			  struct mm_buf *b)
{
	struct mm_json j;

	mm_json_init(&j, b);
	mm_json_object_begin(&j, NULL);
	mm_json_array_begin(&j, "properties");
	for (unsigned bit = 1; bit <= PE_INF_EP_AT_TAIL; bit <<= 1)
		if ((as->props & bit) && pe_inf_name(bit))
			mm_json_str(&j, NULL, pe_inf_name(bit));
	mm_json_array_end(&j);
	mm_json_str(&j, "format", pe->is64 ? "pe32+" : "pe32");
	hex32(&j, "machine", pe->machine);
	hex32(&j, "entry_point", pe->entry_rva);
	if (as->ep_section >= 0)
		mm_json_strn(&j, "entry_section", pe->sec[as->ep_section].name,
			     strlen(pe->sec[as->ep_section].name));
	if (as->props & PE_INF_JUMP_TO_OEP) {
		hex32(&j, "original_entry_point", as->oep_rva);
		mm_json_uint(&j, "jump_offset_from_ep", as->stub_off);
		mm_json_strn(&j, "original_entry_section", pe->sec[as->first_code].name,
			     strlen(pe->sec[as->first_code].name));
	}
	if (as->odd_section >= 0)
		section_json(&j, "odd_section", &pe->sec[as->odd_section]);
	if (as->packer_like)
		mm_json_bool(&j, "packer_section_names", true);
	mm_json_uint(&j, "sections", pe->nsections + pe->sections_dropped);
	mm_json_array_begin(&j, "section_table");
	for (unsigned i = 0; i < pe->nsections && i < PE_EVIDENCE_SECTIONS; i++)
		section_json(&j, NULL, &pe->sec[i]);
	mm_json_array_end(&j);
	if (pe->overlay_len)
		mm_json_uint(&j, "overlay_bytes", pe->overlay_len);
	/* imported DLLs (an infector's stub often adds none: the host's stay) */
	mm_json_array_begin(&j, "imports");
	(void)pe_import_dlls(pe, 16, import_json, &j);
	mm_json_array_end(&j);
	mm_json_object_end(&j);
	return mm_json_finish(&j);
}

/* Decides the rule and level from the properties; false: stay silent. */
static bool pe_verdict(const struct pe_assessment *as, const struct mm_rule_meta **rule,
		       enum mm_level *level)
{
	unsigned p = as->props;
	unsigned placement = p & (PE_INF_EP_LAST_SECTION | PE_INF_LAST_SECTION_WX |
				  PE_INF_ODD_NAME | PE_INF_EP_AT_TAIL | PE_INF_EP_NOT_EXEC);
	unsigned weak = p & (PE_INF_EP_LAST_SECTION | PE_INF_LAST_SECTION_WX | PE_INF_ODD_NAME |
			     PE_INF_RAW_GT_VIRTUAL | PE_INF_EP_NOT_EXEC | PE_INF_EP_AT_TAIL);
	int nweak = 0;

	for (unsigned b = weak; b; b &= b - 1)
		nweak++;
	/* a packer's stub also ends in a jump to the original entry point:
	 * with packer section names, the marks only make a low anomaly */
	if (as->packer_like && (p & (PE_INF_JUMP_TO_OEP | PE_INF_EP_IN_SLACK |
				     PE_INF_EP_OUTSIDE_RAW)) && placement) {
		*rule = &rule_anomaly;
		*level = MM_LEVEL_LOW;
		return true;
	}
	if ((p & PE_INF_JUMP_TO_OEP) && placement) {
		*rule = &rule_infector;
		*level = MM_LEVEL_HIGH;
		return true;
	}
	/* code in a section's slack is a cavity infection on its own; an entry
	 * point outside the raw data needs a second mark (debug-only images
	 * have no raw data at all) */
	if ((p & PE_INF_EP_IN_SLACK) && !as->packer_like) {
		*rule = &rule_infector;
		*level = placement || (p & PE_INF_JUMP_TO_OEP) ? MM_LEVEL_HIGH : MM_LEVEL_MEDIUM;
		return true;
	}
	if ((p & PE_INF_EP_OUTSIDE_RAW) && !as->packer_like && (placement || nweak >= 2)) {
		*rule = &rule_infector;
		*level = MM_LEVEL_MEDIUM;
		return true;
	}
	if ((p & PE_INF_EP_LAST_SECTION) && (p & PE_INF_LAST_SECTION_WX) &&
	    (p & PE_INF_ODD_NAME) && !as->packer_like) {
		*rule = &rule_infector;
		*level = MM_LEVEL_MEDIUM;
		return true;
	}
	if (nweak > 0 || (p & (PE_INF_EP_IN_SLACK | PE_INF_EP_OUTSIDE_RAW | PE_INF_JUMP_TO_OEP))) {
		*rule = &rule_anomaly;
		/* one weak mark is common in packed software: informational; an
		 * entry point outside the raw data, or two marks: low */
		*level = !as->packer_like && (nweak >= 2 || (p & PE_INF_EP_OUTSIDE_RAW)) ?
			 MM_LEVEL_LOW : MM_LEVEL_INFORMATIONAL;
		return true;
	}
	return false;
}

static int pe_analyse(void *w, const struct file_view *v, struct mm_scan_ctx *ctx)
{
	struct pe_file *pe = NULL;
	struct pe_assessment as;
	const struct mm_rule_meta *rule = NULL;
	enum mm_level level = MM_LEVEL_LOW;
	struct mm_buf ev;
	struct mm_alert a;
	char reason[256];
	int rc;

	(void)w;
	mm_buf_init(&ev, PE_EVIDENCE_MAX);
	pe = malloc(sizeof *pe);
	if (!pe) {
		rc = MM_ENOMEM;
		goto out;
	}
	rc = pe_parse(pe, v->data, v->len);
	if (rc == MM_EUNSUPPORTED) {
		rc = 0;	/* MZ without PE: a DOS program, nothing to check */
		goto out;
	}
	if (rc == MM_ETRUNC) {
		mm_scan_partial(ctx, MM_SKIP_TRUNCATED, "PE headers are truncated");
		rc = 0;
		goto out;
	}
	if (pe->problems & PE_PROB_TRUNC_HEADERS)
		mm_scan_partial(ctx, MM_SKIP_TRUNCATED, "PE optional header or section table truncated");
	if (pe->problems & PE_PROB_SECTIONS_PAST_EOF)
		mm_scan_partial(ctx, MM_SKIP_TRUNCATED, "PE section raw data extends past end of file");
	if (pe->problems & PE_PROB_TOO_MANY_SECTIONS)
		mm_scan_partial(ctx, MM_SKIP_LIMIT, "PE has %u sections; %u not examined",
				(unsigned)pe->nsections_declared, pe->sections_dropped);
	if (pe->problems & PE_PROB_BAD_OPTIONAL)
		mm_scan_partial(ctx, MM_SKIP_CORRUPT, "PE optional header has an unknown magic");
	pe_assess(pe, &as);
	if (!pe_verdict(&as, &rule, &level))
		goto out;
	rc = build_evidence(pe, &as, &ev);
	if (rc < 0)
		goto out;
	{
		size_t n = 0;
		n += (size_t)snprintf(reason, sizeof reason, "PE entry point %s:",
				      rule == &rule_infector ? "shows an appended infector stub" :
				      "layout is unusual");
		for (unsigned bit = 1; bit <= PE_INF_EP_AT_TAIL && n < sizeof reason; bit <<= 1)
			if ((as.props & bit) && pe_inf_name(bit))
				n += (size_t)snprintf(reason + n, sizeof reason - n, " %s",
						      pe_inf_name(bit));
	}
	mm_alert_init(&a);
	a.module = "files";
	a.meta = rule;
	a.has_level = 1;
	a.level = level;
	a.family = rule == &rule_infector ? "file-infector" : NULL;
	a.reason = reason;
	a.evidence_json = ev.ptr;
	a.file_path = v->path;
	a.file_size = (int64_t)v->len;
	a.file_sha256 = files_view_sha256(v);
	a.timestamp_us = v->mtime_us;
	rc = mm_emit_alert(ctx, &a);
out:
	mm_buf_release(&ev);
	free(pe);
	return rc;
}

const struct file_analyser file_analyser_pe = {
	.name = "pe",
	.kinds = MM_KIND_BIT(MM_KIND_PE),
	.wants = NULL,
	.register_rules = pe_register,
	.worker_new = NULL,
	.worker_free = NULL,
	.analyse = pe_analyse,
};
