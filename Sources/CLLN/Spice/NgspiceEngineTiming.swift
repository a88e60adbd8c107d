import Foundation

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

extension NgspiceEngine {
    /// Session points (of one engine, or of a solver's: ``SpiceSolver/sessionPointCounts``), and the Newton iterations
    /// they took (matrix loads, counted as reads of a session's first `external` source:
    /// ngspice reads every source once per load). A session's first point (`dc`, from
    /// ngspice's cold initial guess, with its gmin or source stepping when Newton alone fails)
    /// is counted apart from the later ones (`step`, from the previous point).
    public struct SessionPointCounts: Sendable, Equatable {
        public var firstPoints = 0
        public var firstPointIterations = 0
        public var points = 0
        public var iterations = 0

        public init(firstPoints: Int = 0, firstPointIterations: Int = 0, points: Int = 0, iterations: Int = 0) {
            self.firstPoints = firstPoints
            self.firstPointIterations = firstPointIterations
            self.points = points
            self.iterations = iterations
        }

        mutating func add(first: Bool, newtonIterations: Int) {
            if first {
                firstPoints += 1
                firstPointIterations += newtonIterations
            } else {
                points += 1
                iterations += newtonIterations
            }
        }

        /// Counts since `earlier`.
        public func since(_ earlier: SessionPointCounts) -> SessionPointCounts {
            SessionPointCounts(
                firstPoints: firstPoints - earlier.firstPoints, firstPointIterations: firstPointIterations - earlier.firstPointIterations,
                points: points - earlier.points, iterations: iterations - earlier.iterations)
        }

        /// These counts and `other`'s together.
        public func adding(_ other: SessionPointCounts) -> SessionPointCounts {
            SessionPointCounts(
                firstPoints: firstPoints + other.firstPoints, firstPointIterations: firstPointIterations + other.firstPointIterations,
                points: points + other.points, iterations: iterations + other.iterations)
        }
    }

    /// This engine's session points so far.
    public var sessionPoints: SessionPointCounts { timingSnapshot.sessionPoints }
}
