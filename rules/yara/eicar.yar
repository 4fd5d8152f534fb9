/*
 * eicar.yar — the EICAR anti-malware test file (written for mamori).
 * The pattern is given in hex so that this rule file does not itself
 * contain the test string.
 */
rule eicar_test_file
{
	meta:
		description = "EICAR anti-malware test file"
		severity = "low"
		category = "test"
		reference = "https://www.eicar.org/download-anti-malware-testfile/"
	strings:
		/* X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE! */
		$eicar = { 58 35 4F 21 50 25 40 41 50 5B 34 5C 50 5A 58 35 34 28 50 5E 29 37 43 43 29 37 7D 24
			   45 49 43 41 52 2D 53 54 41 4E 44 41 52 44 2D 41 4E 54 49 56 49 52 55 53 2D
			   54 45 53 54 2D 46 49 4C 45 21 }
	condition:
		$eicar in (0..3) and filesize < 256
}
