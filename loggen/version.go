package loggen

// Version names the generator's output: it changes whenever the same Config
// would produce different bytes, so cached benchmark files are regenerated.
const Version = "v1"
