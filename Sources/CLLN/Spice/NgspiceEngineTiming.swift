extension NgspiceEngine {
    /// Time spent inside ngspice since the engine started, in nanoseconds: what the SPICE
    /// benchmark (`CLLNBench`) subtracts to split a solve into ngspice's part and this package's.
    public struct TimeSpent: Sendable {
        /// Inside analysis commands (`op`, and the `dc` of sweeps).
        public var analysis: UInt64
        /// Inside every ngspice call, analyses included.
        public var allCalls: UInt64
    }

    /// The time spent inside ngspice so far (a consistent snapshot).
    public var timeSpent: TimeSpent {
        let timing = timingSnapshot
        return TimeSpent(analysis: timing.analysis, allCalls: timing.allCalls)
    }
}
