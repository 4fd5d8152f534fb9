/*
 * miners.yar — coin-miner binaries and mining configuration strings
 * (written for mamori). The built-in miner analyser validates wallets and
 * parses configs and command lines; these rules catch the binaries and the
 * strings that survive in them. Kept specific so that stock system
 * binaries stay silent.
 */
rule miner_xmrig_binary
{
	meta:
		description = "XMRig-family coin miner binary"
		severity = "high"
		category = "miner"
		mitre_att = "T1496"
		reference = "https://attack.mitre.org/techniques/T1496/"
	strings:
		$name1 = "xmrig" ascii nocase
		$name2 = "XMRig/%s" ascii
		$opt1 = "--donate-level" ascii
		$opt2 = "donate-over-proxy" ascii
		$opt3 = "--cpu-max-threads-hint" ascii
		$opt4 = "--randomx-1gb-pages" ascii
		$algo1 = "rx/0" ascii
		$algo2 = "cn/r" ascii
		$algo3 = "randomx" ascii nocase
		$pool = "stratum+tcp://" ascii
		$donate = "donate.v2.xmrig.com" ascii
	condition:
		(uint16(0) == 0x5A4D or uint32(0) == 0x464C457F or uint32(0) == 0xFEEDFACF or
		 uint32(0) == 0xCFFAEDFE) and
		(($donate) or ($name1 and 2 of ($opt*) and 1 of ($algo*)) or
		 ($name2 and 1 of ($opt*)) or (3 of ($opt*) and $pool))
}

rule miner_generic_cpuminer_binary
{
	meta:
		description = "cpuminer/ccminer-style coin miner binary"
		severity = "medium"
		category = "miner"
		mitre_att = "T1496"
	strings:
		$s1 = "stratum+tcp://" ascii
		$s2 = "mining.subscribe" ascii
		$s3 = "mining.authorize" ascii
		$s4 = "mining.submit" ascii
		$h1 = "--cpu-priority" ascii
		$h2 = "--benchmark" ascii
		$h3 = "Usage: cpuminer" ascii nocase
		$h4 = "ccminer" ascii nocase
		$h5 = "minerd" ascii
	condition:
		(uint16(0) == 0x5A4D or uint32(0) == 0x464C457F) and
		3 of ($s*) and 2 of ($h*)
}

rule miner_stratum_credentials_text
{
	meta:
		description = "Text with a stratum pool URL and login options (miner command line or config)"
		severity = "low"
		category = "miner"
		mitre_att = "T1496"
	strings:
		$url = /stratum\+(tcp|ssl|tls):\/\/[a-z0-9.\-]{3,100}:[0-9]{2,5}/ nocase
		$u1 = " -u " ascii
		$u2 = "--user" ascii
		$u3 = "\"user\"" ascii
		$p1 = " -p " ascii
		$p2 = "--pass" ascii
		$p3 = "\"pass\"" ascii
	condition:
		filesize < 2MB and $url and 1 of ($u*) and 1 of ($p*)
}
