/*
 * sigma_logsource.c — which events a rule's `logsource` covers, and Sigma
 * filters (v2 `filter` documents) attached to the rules they name.
 *
 * A rule's product/service/category is matched against the event's
 * struct log_source (as the readers set it) and, for Windows, also against
 * the event's channel and EventID through the Sigma taxonomy's tables
 * (service "sysmon" = channel Microsoft-Windows-Sysmon/Operational;
 * category "process_creation" = Sysmon 1 or Security 4688, ...), so a
 * rule still finds its events when a reader leaves the category unset.
 * Names compare case-insensitively. Unknown services and categories match
 * only the reader's own names.
 *
 * Threading: pure functions over the read-only ruleset.
 */
#include "core/compat.h"

#include "logs/sigma_int.h"

#include <strings.h>

struct svc_map {
	const char *service;
	const char *channel;
};

static const struct svc_map services[] = {
	{ "security", "Security" },
	{ "system", "System" },
	{ "application", "Application" },
	{ "sysmon", "Microsoft-Windows-Sysmon/Operational" },
	{ "powershell", "Microsoft-Windows-PowerShell/Operational" },
	{ "powershell", "PowerShellCore/Operational" },
	{ "powershell-classic", "Windows PowerShell" },
	{ "taskscheduler", "Microsoft-Windows-TaskScheduler/Operational" },
	{ "wmi", "Microsoft-Windows-WMI-Activity/Operational" },
	{ "windefend", "Microsoft-Windows-Windows Defender/Operational" },
	{ "bits-client", "Microsoft-Windows-Bits-Client/Operational" },
	{ "codeintegrity-operational", "Microsoft-Windows-CodeIntegrity/Operational" },
	{ "dns-client", "Microsoft-Windows-DNS Client Events/Operational" },
	{ "dns-server", "DNS Server" },
	{ "driver-framework", "Microsoft-Windows-DriverFrameworks-UserMode/Operational" },
	{ "firewall-as", "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall" },
	{ "ntlm", "Microsoft-Windows-NTLM/Operational" },
	{ "openssh", "OpenSSH/Operational" },
	{ "printservice-admin", "Microsoft-Windows-PrintService/Admin" },
	{ "printservice-operational", "Microsoft-Windows-PrintService/Operational" },
	{ "smbclient-security", "Microsoft-Windows-SmbClient/Security" },
	{ "terminalservices-localsessionmanager",
	  "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational" },
	{ "applocker", "Microsoft-Windows-AppLocker/MSI and Script" },
	{ "applocker", "Microsoft-Windows-AppLocker/EXE and DLL" },
	{ "applocker", "Microsoft-Windows-AppLocker/Packaged app-Deployment" },
	{ "applocker", "Microsoft-Windows-AppLocker/Packaged app-Execution" },
	{ "appxdeployment-server", "Microsoft-Windows-AppXDeploymentServer/Operational" },
	{ "lsa-server", "Microsoft-Windows-LSA/Operational" },
	{ "shell-core", "Microsoft-Windows-Shell-Core/Operational" },
	{ "security-mitigations", "Microsoft-Windows-Security-Mitigations/Kernel Mode" },
	{ "security-mitigations", "Microsoft-Windows-Security-Mitigations/User Mode" },
	{ "capi2", "Microsoft-Windows-CAPI2/Operational" },
	{ "ldap", "Microsoft-Windows-LDAP-Client/Debug" },
	{ "msexchange-management", "MSExchange Management" },
	{ "vhdmp", "Microsoft-Windows-VHDMP/Operational" },
	{ "appmodel-runtime", "Microsoft-Windows-AppModel-Runtime/Admin" },
	{ "diagnosis-scripted", "Microsoft-Windows-Diagnosis-Scripted/Operational" },
	{ "kernel-shimengine", "Microsoft-Windows-Kernel-ShimEngine/Operational" },
	{ "bitlocker", "Microsoft-Windows-BitLocker/BitLocker Management" },
	{ "hyper-v-worker", "Microsoft-Windows-Hyper-V-Worker" },
	{ "sense", "Microsoft-Windows-SENSE/Operational" },
	{ "iis-configuration", "Microsoft-IIS-Configuration/Operational" },
	{ "ntfs", "Microsoft-Windows-Ntfs/Operational" },
	{ "dhcp", "Microsoft-Windows-DHCP-Server/Operational" },
	{ "certificateservicesclient-lifecycle-system",
	  "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational" },
	{ "application-experience", "Microsoft-Windows-Application-Experience/Program-Telemetry" },
	{ "application-experience",
	  "Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant" },
	{ "appxpackaging-om", "Microsoft-Windows-AppxPackaging/Operational" },
	{ "kernel-event-tracing", "Microsoft-Windows-Kernel-EventTracing" },
};

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

struct cat_map {
	const char *category;
	const char *channel;
	uint32_t eid;
};

static const struct cat_map categories[] = {
	{ "process_creation", SYSMON, 1 },
	{ "process_creation", "Security", 4688 },
	{ "file_change", SYSMON, 2 },
	{ "network_connection", SYSMON, 3 },
	{ "sysmon_status", SYSMON, 4 },
	{ "sysmon_status", SYSMON, 16 },
	{ "process_termination", SYSMON, 5 },
	{ "driver_load", SYSMON, 6 },
	{ "image_load", SYSMON, 7 },
	{ "create_remote_thread", SYSMON, 8 },
	{ "raw_access_thread", SYSMON, 9 },
	{ "process_access", SYSMON, 10 },
	{ "file_event", SYSMON, 11 },
	{ "registry_event", SYSMON, 12 },
	{ "registry_event", SYSMON, 13 },
	{ "registry_event", SYSMON, 14 },
	{ "registry_add", SYSMON, 12 },
	{ "registry_delete", SYSMON, 12 },
	{ "registry_set", SYSMON, 13 },
	{ "registry_rename", SYSMON, 14 },
	{ "create_stream_hash", SYSMON, 15 },
	{ "pipe_created", SYSMON, 17 },
	{ "pipe_created", SYSMON, 18 },
	{ "wmi_event", SYSMON, 19 },
	{ "wmi_event", SYSMON, 20 },
	{ "wmi_event", SYSMON, 21 },
	{ "dns_query", SYSMON, 22 },
	{ "file_delete", SYSMON, 23 },
	{ "clipboard_capture", SYSMON, 24 },
	{ "process_tampering", SYSMON, 25 },
	{ "file_delete", SYSMON, 26 },
	{ "file_delete_detected", SYSMON, 26 },
	{ "file_block_executable", SYSMON, 27 },
	{ "file_block_shredding", SYSMON, 28 },
	{ "file_executable_detected", SYSMON, 29 },
	{ "sysmon_error", SYSMON, 255 },
	{ "ps_classic_start", "Windows PowerShell", 400 },
	{ "ps_classic_provider_start", "Windows PowerShell", 600 },
	{ "ps_classic_script", "Windows PowerShell", 800 },
	{ "ps_module", "Microsoft-Windows-PowerShell/Operational", 4103 },
	{ "ps_module", "PowerShellCore/Operational", 4103 },
	{ "ps_script", "Microsoft-Windows-PowerShell/Operational", 4104 },
	{ "ps_script", "PowerShellCore/Operational", 4104 },
};

static bool ieq(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

static bool product_ok(const char *want, const struct log_event *e)
{
	if (ieq(want, e->src.product))
		return true;
	/* a Windows channel without a product from the reader is Windows */
	return !e->src.product && e->channel && ieq(want, "windows");
}

static bool service_ok(const char *want, const struct log_event *e)
{
	size_t i;
	bool known = false;

	if (ieq(want, e->src.service))
		return true;
	for (i = 0; i < MM_ARRAY_SIZE(services); i++) {
		if (!ieq(want, services[i].service))
			continue;
		known = true;
		if (ieq(services[i].channel, e->channel))
			return true;
	}
	(void)known;
	return false;
}

static bool category_ok(const char *want, const struct log_event *e)
{
	size_t i;

	if (ieq(want, e->src.category))
		return true;
	for (i = 0; i < MM_ARRAY_SIZE(categories); i++) {
		if (categories[i].eid == e->event_id && ieq(want, categories[i].category) &&
		    ieq(categories[i].channel, e->channel))
			return true;
	}
	return false;
}

bool sigma_lsrc_matches(const struct sigma_lsrc *g, const struct log_event *e)
{
	if (g->product && !product_ok(g->product, e))
		return false;
	if (g->service && !service_ok(g->service, e))
		return false;
	if (g->category && !category_ok(g->category, e))
		return false;
	return true;
}

int sigma_rule_lookup(const struct sigma_ruleset *rs, const char *ref, const char *file)
{
	size_t i;
	int any = -1;

	for (i = 0; i < rs->n_rules; i++) {
		const struct sigma_rule *r = rs->rules[i];

		if (r->kind == SIGMA_RULE_FILTER)
			continue;
		if ((r->id && strcmp(r->id, ref) == 0) || (r->name && strcmp(r->name, ref) == 0)) {
			if (file && strcmp(r->file, file) == 0)
				return (int)i;
			if (any < 0)
				any = (int)i;
		}
	}
	return any;
}

void sigma_filters_apply(struct sigma_ruleset *rs)
{
	size_t i, k;

	for (i = 0; i < rs->n_rules; i++) {
		struct sigma_rule *f = rs->rules[i];

		if (f->kind != SIGMA_RULE_FILTER)
			continue;
		for (k = 0; k < f->n_filter_refs; k++) {
			int t = sigma_rule_lookup(rs, f->filter_refs[k], f->file);
			struct sigma_rule *r;
			int *nf;

			if (t < 0 || rs->rules[t]->kind != SIGMA_RULE_DETECTION) {
				sigma_problem_add(rs, f->file, f->line, f->id ? f->id : f->title, true,
						  "filter target not found",
						  "filter names rule %s, which is not loaded",
						  f->filter_refs[k]);
				continue;
			}
			r = rs->rules[t];
			nf = realloc(r->filters, (r->n_filters + 1) * sizeof(*nf));
			if (!nf)
				continue;
			r->filters = nf;
			r->filters[r->n_filters++] = (int)i;
		}
	}
}
