/*
 * powershell.yar — PowerShell launched with an encoded command or a
 * download cradle (written for mamori). The PowerShell analyser decodes
 * and judges; these rules flag the launcher text in any file.
 */
rule powershell_encoded_command_launcher
{
	meta:
		description = "PowerShell started with a Base64 -EncodedCommand and hidden window"
		severity = "medium"
		category = "execution"
		mitre_att = "T1059.001"
	strings:
		$ps = "powershell" ascii wide nocase
		$enc = /\s[-\/](e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma|encodedcomman|encodedcommand)\s+[A-Za-z0-9+\/]{40,}/ nocase
		$h1 = /\s[-\/]w(in(dow(style)?)?)?\s+(hidden|1)\b/ nocase
		$h2 = /\s[-\/]nop(rofile)?\b/ nocase
		$h3 = /\s[-\/](ep|exec|executionpolicy)\s+bypass/ nocase
	condition:
		filesize < 8MB and $ps and $enc and 1 of ($h*)
}

rule powershell_download_cradle
{
	meta:
		description = "PowerShell download-and-execute cradle"
		/* install instructions in documentation use cradles too: the
		 * PowerShell analyser judges the context */
		severity = "low"
		category = "execution"
		mitre_att = "T1059.001"
	strings:
		$iex1 = "IEX" ascii wide nocase fullword
		$iex2 = "Invoke-Expression" ascii wide nocase
		$dl1 = "DownloadString" ascii wide nocase
		$dl2 = "DownloadData" ascii wide nocase
		$dl3 = "Net.WebClient" ascii wide nocase
	condition:
		filesize < 8MB and 1 of ($iex*) and ($dl1 or $dl2) and $dl3
}
