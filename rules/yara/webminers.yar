/*
 * webminers.yar — in-browser (JavaScript / WebAssembly) coin miners
 * (written for mamori). The web-miner analyser matches miner domains and
 * WASM exports; these rules catch the loader code itself.
 */
rule webminer_coinhive_loader
{
	meta:
		description = "CoinHive-style in-browser miner loader"
		severity = "high"
		category = "miner"
		mitre_att = "T1496"
	strings:
		$a1 = "CoinHive.Anonymous" ascii
		$a2 = "CoinHive.User" ascii
		$a3 = "CoinHive.Token" ascii
		$a4 = "CH.Anonymous" ascii
		$a5 = "coinhive.min.js" ascii nocase
		$a6 = "authedmine.min.js" ascii nocase
		$b1 = ".start(" ascii
		$b2 = "throttle" ascii
		$b3 = "CRYPTONIGHT_WORKER_BLOB" ascii
	condition:
		filesize < 4MB and 1 of ($a*) and 1 of ($b*)
}

rule webminer_cryptoloot_family
{
	meta:
		description = "CryptoLoot / deepMiner / WebMinePool-style in-browser miner"
		severity = "high"
		category = "miner"
		mitre_att = "T1496"
	strings:
		$a1 = "CryptoLoot.Anonymous" ascii
		$a2 = "CRLT.Anonymous" ascii
		$a3 = "deepMiner.Anonymous" ascii
		$a4 = "deepMiner.Init" ascii
		$a5 = "WMP.Anonymous" ascii
		$a6 = "new Client.Anonymous(" ascii
		$s1 = ".start(" ascii
	condition:
		filesize < 4MB and 1 of ($a*) and $s1
}

rule webminer_cryptonight_wasm
{
	meta:
		description = "WebAssembly module exporting CryptoNight hashing"
		severity = "high"
		category = "miner"
		mitre_att = "T1496"
	strings:
		$e1 = "cryptonight_hash" ascii
		$e2 = "cn_hash" ascii
		$e3 = "cryptonight_create" ascii
		$e4 = "cryptonight" ascii nocase
	condition:
		uint32(0) == 0x6D736100 and (($e1) or ($e3) or ($e2 and $e4))
}
