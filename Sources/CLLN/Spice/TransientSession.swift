import Foundation

/// A transient simulation in ngspice, advanced in segments by a Swift driver: the circuit's
/// `external` voltage and current sources take the values the driver sets, and at every
/// segment boundary (a sync point) the driver reads the recorded vectors and sets the sources'
/// values for the next segment, while the analysis runs.
///
/// **How it runs.** ``run(segments:atBoundary:observe:)`` is one `tran … uic` analysis
/// (synchronous, on the calling thread; no `bg_run`) of the segments' total duration. The
/// engine's GetSyncData callback shortens ngspice's time steps so that an accepted point falls on
/// every boundary, and caps the first step after a boundary at ``Options/firstStepFraction`` of
/// the segment (sources change there; segments given as `restarting` start at an ngspice
/// breakpoint instead, and ``Options/settleJump`` may propose one step to a settled segment's end); its SendData callback delivers every accepted point, and
/// at a boundary's point the driver's closure runs before ngspice evaluates any later time, so
/// the new values act from the boundary on (zero-order hold). Between runs the circuit's state
/// is carried by its ``Capacitor``s: after a run each one's `ic` is set to its voltage at the
/// end, and the next run starts from there (`uic`). Every run ends with `destroy all` (and the
/// engine's periodic `ngSpice_Command(NULL)`), so memory stays flat however long the session.
///
/// **Numerical contract.** Boundaries are hit to within 1e-9 of the shortest segment (ngspice
/// steps onto them; a point that close counts as on it). Within a segment the waveforms are
/// ngspice's, to its `.options` tolerances (an RC step response with `method=gear reltol=1e-6`
/// follows V(1 − e^(−t/RC)) within 1e-3 V, tested; use `method=gear`: sources that jump excite the
/// stiff parts of a circuit, where the trapezoidal rule rings). Only capacitor voltages carry
/// over between runs: a circuit with inductors or other state restarts those from zero.
///
/// The engine is the one owner of ngspice state; a session holds one loaded circuit (loaded
/// again with its state if ngspice dropped it) and shares the engine with solvers one call at a time. Not thread-safe: one driver per session.
public final class TransientSession {
    /// A capacitor whose voltage is state that carries over from one run to the next.
    public struct Capacitor: Sendable, Hashable {
        /// Its SPICE name and its terminals' node names (`0` for ground).
        public var name: String
        public var positive: String
        public var negative: String
        public init(name: String, positive: String, negative: String = "0") {
            self.name = name
            self.positive = positive
            self.negative = negative
        }
    }

    /// The recorded vectors at one accepted time point.
    public struct Reading: Sendable, Equatable {
        /// Simulated seconds since the session started.
        public var time: Double
        /// The values of ``TransientSession/recorded``, in that order (volts, amperes).
        public var values: [Double]
    }

    public struct Options: Sendable {
        /// The first step after a boundary, as a fraction of the segment that starts there.
        public var firstStepFraction: Double = 1e-3
        /// The longest step, as a fraction of the longest segment of a run.
        public var maximumStepFraction: Double = 0.5
        /// Settle jump, in volts (nil: off). When every capacitor voltage's rate of change over
        /// the last accepted step, times the time left in the segment, is below this, the next
        /// step is proposed to the segment's end. ngspice's truncation-error test still accepts
        /// or rejects that step (a rejected jump is not proposed again in the segment), so the
        /// waveform stays within its tolerances; it spares the doublings of a settled segment.
        public var settleJump: Double?
        /// The engine; `nil` uses ``NgspiceEngine/shared()``.
        public var engine: NgspiceEngine?
        public init() {}
    }

    /// Names of the vectors every reading holds (node names such as `n3`, branch currents such
    /// as `vh0#branch`), lower-case as ngspice names them.
    public let recorded: [String]
    /// The `external` voltage and current sources, lower-case.
    public let voltageSources: [String]
    public let currentSources: [String]
    /// The values the sources take (V and A, in the order of ``voltageSources`` and
    /// ``currentSources``); set them before a run or at a boundary.
    @exclusivity(unchecked) public var voltages: [Double]
    @exclusivity(unchecked) public var currents: [Double]
    /// Simulated seconds run so far.
    public private(set) var time: Double = 0
    /// The reading at the end of the last run (nil before the first).
    public private(set) var lastReading: Reading?
    /// Accepted time points so far.
    public private(set) var acceptedPoints = 0
    public let options: Options

    private let engine: NgspiceEngine
    private var circuit: NgspiceEngine.CircuitID
    private let netlist: [String]
    private let probe: String
    /// The capacitor voltages last set (nil: the netlist's `ic=` values).
    private var state: [Double]?
    private let capacitors: [Capacitor]
    /// What the observer extracts from each point: the recorded vectors, then the capacitors'
    /// terminal nodes.
    private let tracked: [String]
    private let sourceIndex: [String: Int]
    @exclusivity(unchecked) private var run = RunState()
    /// ``state`` has not been sent to ngspice yet.
    private var stateIsNew = false

    /// Loads `netlist` (without an analysis line; its capacitors' `ic=` are the initial state).
    /// `probe` is a device parameter of the netlist that ngspice must be able to read back (e.g.
    /// `@c1[capacitance]`); sources and capacitors are named as in the netlist.
    public init(
        netlist: [String], probe: String, recorded: [String], voltageSources: [String] = [], currentSources: [String] = [],
        capacitors: [Capacitor], options: Options = Options()
    ) throws {
        self.recorded = recorded.map { $0.lowercased() }
        self.voltageSources = voltageSources.map { $0.lowercased() }
        self.currentSources = currentSources.map { $0.lowercased() }
        self.capacitors = capacitors
        self.options = options
        voltages = [Double](repeating: 0, count: voltageSources.count)
        currents = [Double](repeating: 0, count: currentSources.count)
        let terminals = capacitors.flatMap { [$0.positive, $0.negative] }.map { $0.lowercased() }.filter { $0 != "0" }
        tracked = self.recorded + terminals
        // Voltage sources at indices ≥ 0, current sources at −1, −2, …
        sourceIndex = Dictionary(
            uniqueKeysWithValues: self.voltageSources.enumerated().map { ($1, $0) } + self.currentSources.enumerated().map { ($1, -1 - $0) })
        let engine = try options.engine ?? NgspiceEngine.shared()
        self.engine = engine
        self.netlist = netlist
        self.probe = probe
        circuit = try engine.withLock { try engine.loadCircuit(netlist, probe: probe) }
    }

    deinit {
        try? engine.withLock { try engine.removeCircuit(circuit) }
    }

    /// Runs the segments (durations in seconds, each > 0) as one transient analysis, continuing
    /// from the state the last run ended in. Segments in `restarting` (indices ≥ 1) start at an
    /// ngspice breakpoint, where integration restarts at first order: use it where a source steps
    /// a current into a capacitor without a resistive path (a gate's learning current), since
    /// second-order gear across that step leaves a lasting charge error of ~⅓ of its first step's
    /// charge; elsewhere the first step after a boundary is capped (``Options/firstStepFraction``). At the end of every segment but the last,
    /// `atBoundary(k, reading)` gets the reading there and may set ``voltages`` and ``currents``
    /// for segment k; `observe`, if given, sees every accepted point (time since the session
    /// started, recorded values). Neither closure may call into the session or the engine.
    /// Returns the reading at the end. Throws ``SpiceError/transientStopped(at:of:log:)`` when
    /// ngspice ends early, ``SpiceError/nonFinite(node:)`` for a non-finite state, and the first
    /// error `atBoundary` threw (the analysis then runs to its end with the values last set).
    @discardableResult
    public func run(
        segments: [Double], restarting: Set<Int> = [], atBoundary: (Int, Reading) throws -> Void = { _, _ in },
        observe: ((Double, [Double]) -> Void)? = nil
    ) throws -> Reading {
        precondition(!segments.isEmpty && segments.allSatisfy { $0 > 0 && $0.isFinite }, "segments must be positive durations")
        var ends: [Double] = []
        var total = 0.0
        for duration in segments {
            total += duration
            ends.append(total)
        }
        let shortest = segments.min()!
        run = RunState(segments: segments, ends: ends, tolerance: 1e-9 * shortest, start: time)
        let restarts: Set<Int> = engine.setsBreakpoints ? restarting.filter { $0 >= 1 && $0 < segments.count } : []
        run.restarts = restarts
        run.sources = SourceTable(sourceIndex: sourceIndex)
        let command = "tran \(SpiceNumber.format(shortest / 100)) \(SpiceNumber.format(total)) 0 "
            + "\(SpiceNumber.format(options.maximumStepFraction * segments.max()!)) uic"
        run.observe = observe
        let log = try withoutActuallyEscaping(atBoundary) { atBoundary in
            run.atBoundary = atBoundary
            defer {
                run.atBoundary = nil
                run.observe = nil
            }
            return try engine.withLock {
                try selectCircuit()
                return try engine.transient(
                    command, breakpoints: restarts.sorted().map { ends[$0 - 1] }, observer: Observer(session: self))
            }
        }
        acceptedPoints += run.accepted
        guard let final = run.final else {
            throw SpiceError.transientStopped(at: run.lastTime, of: total, log: log)
        }
        if let error = run.error { throw error }
        if let bad = final.indices.first(where: { !final[$0].isFinite }) { throw SpiceError.nonFinite(node: tracked[bad]) }
        time += total
        let reading = Reading(time: time, values: Array(final[0..<recorded.count]))
        lastReading = reading
        try carryState(final)
        return reading
    }

    /// Sets every capacitor's `ic` to its voltage in `final` (the tracked values at the end).
    private func carryState(_ final: [Double]) throws {
        let position = Dictionary(tracked.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        func voltage(_ node: String) -> Double { node == "0" ? 0 : final[position[node.lowercased()]!] }
        try setState(capacitors.map { voltage($0.positive) - voltage($0.negative) })
    }

    /// Sets the state the next run starts from: each capacitor's voltage (`ic`), in the order
    /// the session was given them (e.g. to continue from a checkpoint).
    public func setState(_ capacitorVoltages: [Double]) throws {
        precondition(capacitorVoltages.count == capacitors.count, "one voltage per capacitor")
        state = capacitorVoltages
        stateIsNew = true
        try engine.withLock { try selectCircuit() }
    }

    /// Selects the session's circuit with its state set (call holding the engine's lock). A
    /// circuit that is gone (ngspice removes every circuit after it rejects a netlist, e.g. one
    /// loaded by a solver sharing the engine) is loaded again with the last state.
    private func selectCircuit() throws {
        let reload = !engine.isLoaded(circuit)
        if reload {
            circuit = try engine.loadCircuit(netlist, probe: probe)
        }
        try engine.select(circuit)
        guard let state, reload || stateIsNew else { return }
        var batch = CommandBatch(joined: true)
        for (c, v) in zip(capacitors, state) { try batch.add("alter \(c.name) ic = ", v, to: engine) }
        try batch.flush(to: engine)
        stateIsNew = false
    }

    /// Updates ``RunState/drift`` from the capacitor voltages (the tracked values after the
    /// recorded ones) at the point accepted at `time`.
    private func trackDrift(time t: Double) {
        let count = tracked.count - recorded.count
        let fresh = run.previousState.count != count
        if fresh { run.previousState = [Double](repeating: 0, count: count) }
        var worst = 0.0
        let segmentStart = run.next > 0 ? run.ends[run.next - 1] : 0
        let dt = t - run.previousTime
        for i in 0..<count {
            let v = run.values[recorded.count + i]
            worst = max(worst, abs(v - run.previousState[i]))
            run.previousState[i] = v
        }
        run.drift = !fresh && run.previousTime >= segmentStart - run.tolerance && dt > 0 && worst.isFinite ? worst / dt : .infinity
        run.previousTime = t
    }

    /// `external` sources by the name pointers ngspice passes (stable for a circuit's lifetime):
    /// learned on first sight, then found by comparing pointers from where the last lookup
    /// ended, since ngspice asks for the sources in the same order at every load (~40 lookups per
    /// Newton iteration; a dictionary's hashing cost a tenth of a co-simulation).
    struct SourceTable {
        private var names: [UnsafeMutableRawPointer] = []
        private var indices: [Int] = []
        private var cursor = 0
        private let sourceIndex: [String: Int]

        init(sourceIndex: [String: Int]) { self.sourceIndex = sourceIndex }

        /// The ``TransientSession/sourceIndex`` value of `name`, nil for an unknown source.
        mutating func index(of name: UnsafeMutablePointer<CChar>) -> Int? {
            let key = UnsafeMutableRawPointer(name)
            let count = names.count
            for offset in 0..<count {
                var i = cursor + offset
                if i >= count { i -= count }
                if names[i] == key {
                    cursor = i + 1 == count ? 0 : i + 1
                    return indices[i]
                }
            }
            guard let found = sourceIndex[String(cString: name).lowercased()] else { return nil }
            names.append(key)
            indices.append(found)
            cursor = 0
            return found
        }
    }

    /// What one run tracks while ngspice calls back.
    private struct RunState {
        var segments: [Double] = []
        var ends: [Double] = []
        var tolerance = 0.0
        /// Session time at the run's start.
        var start = 0.0
        /// Index of the boundary the run heads for (the end of segment `next`).
        var next = 0
        /// Cap the next step (a boundary was just crossed, or the run just began).
        var capStep = true
        var timeIndex = -1
        /// Plot index of each tracked vector.
        var columns: [Int] = []
        var values: [Double] = []
        var accepted = 0
        var lastTime = 0.0
        var final: [Double]?
        var error: Error?
        var atBoundary: ((Int, Reading) throws -> Void)?
        var observe: ((Double, [Double]) -> Void)?
        /// Segments that start at an ngspice breakpoint.
        var restarts: Set<Int> = []
        var sources = SourceTable(sourceIndex: [:])
        /// The next limitStep is the one before a new step (ngspice calls it also after each
        /// step, accepted or rejected).
        var beforeStep = false
        /// Capacitor voltages at the last accepted point of the segment (empty: none yet) and its time.
        var previousState: [Double] = []
        var previousTime = 0.0
        /// Largest capacitor voltage rate of change over the last accepted step (V/s).
        var drift = Double.infinity
        /// The settle jump under way (its target time), or rejected in this segment.
        var jumpTarget: Double?
        var jumpRejected = false

        init() {}

        init(segments: [Double], ends: [Double], tolerance: Double, start: Double) {
            self.segments = segments
            self.ends = ends
            self.tolerance = tolerance
            self.start = start
        }
    }

    /// The engine's view of the session during a run.
    private final class Observer: TransientObserver {
        /// Unchecked: the session owns the run that owns this observer, so it outlives every callback.
        unowned(unsafe) let session: TransientSession
        init(session: TransientSession) { self.session = session }

        func begin(vectors: [String]) {
            let index = Dictionary(vectors.enumerated().map { ($1.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
            session.run.timeIndex = index["time"] ?? -1
            session.run.columns = session.tracked.map { index[$0] ?? -1 }
            session.run.values = [Double](repeating: .nan, count: session.tracked.count)
        }

        func accept(_ values: [Double]) {
            let s = session
            guard s.run.timeIndex >= 0 else { return }
            let t = values[s.run.timeIndex]
            for (i, column) in s.run.columns.enumerated() { s.run.values[i] = column >= 0 ? values[column] : .nan }
            s.run.accepted += 1
            s.run.capStep = false
            s.run.beforeStep = true
            if let target = s.run.jumpTarget {
                if t < target - s.run.tolerance { s.run.jumpRejected = true }
                s.run.jumpTarget = nil
            }
            if s.options.settleJump != nil { s.trackDrift(time: t) }
            s.run.lastTime = t
            s.run.observe?(s.run.start + t, Array(s.run.values[0..<s.recorded.count]))
            guard s.run.next < s.run.ends.count, t >= s.run.ends[s.run.next] - s.run.tolerance else { return }
            let k = s.run.next
            s.run.next += 1
            s.run.capStep = true
            s.run.drift = .infinity
            s.run.jumpRejected = false
            guard k + 1 < s.run.ends.count else {
                s.run.final = s.run.values
                return
            }
            guard s.run.error == nil, let atBoundary = s.run.atBoundary else { return }
            do {
                try atBoundary(k + 1, Reading(time: s.run.start + t, values: Array(s.run.values[0..<s.recorded.count])))
            } catch {
                s.run.error = error
            }
        }

        func externalValue(source: UnsafeMutablePointer<CChar>, current: Bool) -> Double {
            let s = session
            guard let index = s.run.sources.index(of: source) else { return .nan }
            if current { return index < 0 ? s.currents[-1 - index] : .nan }
            return index >= 0 ? s.voltages[index] : .nan
        }

        func limitStep(time: Double, delta: inout Double) {
            let s = session
            guard s.run.next < s.run.ends.count else { return }
            let beforeStep = s.run.beforeStep
            s.run.beforeStep = false
            // A segment after a breakpoint: ngspice sized its first step and lands on the next breakpoint itself.
            let restarted = s.run.restarts.contains(s.run.next)
            if s.run.capStep, !restarted { delta = min(delta, s.options.firstStepFraction * s.run.segments[s.run.next]) }
            let remaining = s.run.ends[s.run.next] - time
            if beforeStep, !s.run.capStep, let jump = s.options.settleJump, !s.run.jumpRejected, remaining > delta,
                s.run.drift * remaining < jump
            {
                delta = remaining
                s.run.jumpTarget = s.run.ends[s.run.next]
                return
            }
            // At (or within tolerance of) the boundary: the point there is about to be accepted.
            // (Not before a breakpoint: ngspice's own landing would then halve the step forever.)
            if !s.run.restarts.contains(s.run.next + 1), remaining > s.run.tolerance, delta > remaining - s.run.tolerance {
                delta = remaining
            }
        }
    }
}
