package loggen

// Version names the generator's output: it changes whenever the same Config
// would produce different bytes, so cached benchmark files are regenerated.
const Version = "v2" // v2: scanner POSTs to static paths
