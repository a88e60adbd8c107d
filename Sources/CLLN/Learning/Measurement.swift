/// What a voltmeter with Gaussian read noise of σ `sigma` (V) reports for `voltages`.
func reading(_ voltages: [Double], readNoise sigma: Double, rng: inout SeededGenerator) -> [Double] {
    guard sigma > 0 else { return voltages }
    return voltages.map { $0 + sigma * rng.gaussian() }
}
