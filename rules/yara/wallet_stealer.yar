/*
 * wallet_stealer.yar — code that names many cryptocurrency wallet folders
 * and browser-wallet extension ids together, as stealers do (written for
 * mamori). The wallet analyser counts our whole list
 * (rules/lists/wallet-paths.txt); this rule is a fast first cut.
 */
rule stealer_wallet_paths_and_extensions
{
	meta:
		description = "Names many wallet folders and browser wallet extension ids (stealer)"
		severity = "high"
		category = "stealer"
		mitre_att = "T1005"
	strings:
		$w1 = "Electrum\\wallets" ascii wide nocase
		$w2 = "Exodus\\exodus.wallet" ascii wide nocase
		$w3 = "Ethereum\\keystore" ascii wide nocase
		$w4 = "atomic\\Local Storage\\leveldb" ascii wide nocase
		$w5 = "Armory" ascii wide fullword
		$w6 = "Bytecoin" ascii wide fullword
		$w7 = "com.liberty.jaxx" ascii wide nocase
		$w8 = "Zcash" ascii wide fullword
		$w9 = "Guarda\\Local Storage" ascii wide nocase
		$w10 = "Coinomi\\Coinomi\\wallets" ascii wide nocase
		$x1 = "nkbihfbeogaeaoehlefnkodbefgpgknn" ascii wide
		$x2 = "fhbohimaelbohpjbbldcngcnapndodjp" ascii wide
		$x3 = "hnfanknocfeofbddgcijnmhnfnkdnaad" ascii wide
		$x4 = "ibnejdfjmmkpcnlpebklmnkoeoihofec" ascii wide
		$x5 = "bfnaelmomeimhlpmgjnjophhpkkoljpa" ascii wide
	condition:
		filesize < 16MB and 4 of ($w*) and 2 of ($x*)
}
