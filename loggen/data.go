package loggen

// Static tables describing the simulated world: edge locations, user agents,
// scanner probes, IP address prefixes.

// region groups edge locations that serve the same viewers.
type region struct {
	weight int // share of browser clients, percent
	edges  []string
	v6     []string // IPv6 /32-ish prefixes typical of the region's ISPs
}

var regions = []region{
	{30, []string{"IAD89-C1", "IAD89-C2", "IAD55-P6", "JFK50-P9", "ATL58-P4", "ORD56-P3", "BOS50-C1"},
		[]string{"2600:1700", "2601:18c", "2603:7000", "2607:fb90", "2600:387"}},
	{15, []string{"SFO53-P7", "LAX50-P1", "SEA19-C2", "DEN52-P1", "SJC50-C1"},
		[]string{"2601:646", "2600:1010", "2603:8000", "2607:fea8"}},
	{35, []string{"FRA56-P5", "FRA60-P3", "LHR61-P1", "LHR50-C1", "CDG52-P3", "AMS58-P4", "MRS53-P3", "ARN56-P1", "MAD53-P1"},
		[]string{"2a02:cf40", "2a01:e0a", "2a02:8108", "2a00:23c7", "2001:1c00", "2a01:cb00", "2003:e6"}},
	{20, []string{"NRT57-P2", "NRT20-P1", "SIN2-P3", "SYD62-P1", "ICN57-P1", "BOM78-P2", "HKG62-C1"},
		[]string{"2400:4051", "240b:10", "2001:f70", "2405:6580", "2409:8a1e"}},
}

// First octets of public IPv4 space used for random client addresses
// (private, reserved, multicast and documentation ranges excluded).
var v4FirstOctets = []byte{
	2, 3, 5, 13, 18, 23, 24, 31, 34, 35, 37, 41, 45, 46, 47, 49, 50, 52, 54,
	62, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82,
	83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 101,
	102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116,
	117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 128, 129, 130, 131, 132,
	134, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149,
	150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164,
	165, 166, 167, 168, 170, 171, 173, 174, 175, 176, 177, 178, 179, 180, 181,
	182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 193, 194, 195, 196, 197,
	199, 200, 201, 202, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214,
	215, 216, 217, 218, 219, 220, 221, 222, 223,
}

type weighted struct {
	w int
	s string
}

// Browser user agents (decoded form) with relative weights.
var browserUAs = []weighted{
	{22, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
	{8, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"},
	{12, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
	{9, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"},
	{14, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"},
	{3, "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"},
	{12, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"},
	{6, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0"},
	{6, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"},
	{2, "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"},
	{2, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
	{2, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:132.0) Gecko/20100101 Firefox/132.0"},
	{2, "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"},
}

const (
	uaGooglebot       = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaGooglebotMobile = "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaBingbot         = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
	uaMonitor         = "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"
)

var scannerUAs = []string{
	"Mozilla/5.0 zgrab/0.x",
	"python-requests/2.32.3",
	"curl/8.5.0",
	"Go-http-client/1.1",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36",
	"Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
	"Mozilla/5.0 (l9scan/2.0.0; +https://leakix.net)",
}

// Paths probed by vulnerability scanners. Those under /api/auth/ are path
// traversal attempts, not NextAuth endpoints.
var scannerPaths = []string{
	"/wp-login.php", "/.env", "/.git/config", "/xmlrpc.php", "/phpmyadmin/",
	"/wp-admin/setup-config.php", "/.aws/credentials", "/config.json",
	"/server-status", "/.DS_Store", "/admin/.env", "/backup.zip",
	"/wp-content/plugins/wp-file-manager/readme.txt", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
	"/api/auth/../../etc/passwd", "/api/auth/%2e%2e/%2e%2e/etc/passwd",
	"/cgi-bin/luci/;stok=/locale", "/actuator/env", "/.vscode/sftp.json",
	"/owa/auth/logon.aspx", "/boaform/admin/formLogin", "/_profiler/phpinfo",
	"/.env.production", "/api/.env", "/info.php", "/wp-includes/wlwmanifest.xml",
}

// Static paths scanners POST to (WordPress, plugin and web-shell probes);
// the default behavior refuses them. scannerPosts adds random "/<name>.php".
var scannerPostPaths = []string{
	"/xmlrpc.php", "/xmlrpc.php", "/wp-login.php", "/wp-login.php", "/plugin/add",
	"/wp-admin/admin-ajax.php", "/wp-content/plugins/hellopress/wp_filemanager.php", "/index.php",
	"/cgi-bin/php-cgi.exe", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
}

var externalReferers = []weighted{
	{50, ""},
	{33, "https://www.google.com/"},
	{5, "https://www.bing.com/"},
	{4, "https://duckduckgo.com/"},
	{4, "https://t.co/"},
	{4, "https://www.linkedin.com/"},
}

// Common English words used for search queries to /api/items.
var searchWords = []string{"lamp", "chair", "desk", "bike", "camera", "guitar", "book", "phone", "table", "sofa", "watch", "shoes"}
