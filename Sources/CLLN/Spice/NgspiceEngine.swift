import CNgspice
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One call into ngspice, as recorded by ``NgspiceEngine/trace(_:)``.
public enum NgspiceCall: Sendable, Hashable, CustomStringConvertible {
    /// `ngSpice_Init` with the engine's callbacks.
    case initialize
    /// `ngSpice_Init_Sync` with the engine's GetVSRCData, GetISRCData and GetSyncData callbacks
    /// (values of `external` sources; time steps of transient analyses).
    case initializeSync
    /// `ngSpice_Command(text)`.
    case command(String)
    /// `ngSpice_Command(NULL)`: frees the control structures every command leaves behind.
    case freeCommandMemory
    /// `ngSpice_Circ(lines)`; `title` is the netlist's first line.
    case loadCircuit(title: String, lineCount: Int)
    /// `ngGet_Vec_Info(name)`.
    case vectorInfo(String)
    /// `ngSpice_Reset`: after a ControlledExit, where the library has it (ngspice ≥ 44).
    case reset

    public var description: String {
        switch self {
        case .initialize: "ngSpice_Init"
        case .initializeSync: "ngSpice_Init_Sync"
        case let .command(text): "ngSpice_Command(\"\(text)\")"
        case .freeCommandMemory: "ngSpice_Command(NULL)"
        case let .loadCircuit(title, count): "ngSpice_Circ(\(count) lines: \(title))"
        case let .vectorInfo(name): "ngGet_Vec_Info(\"\(name)\")"
        case .reset: "ngSpice_Reset"
        }
    }
}

/// The one owner of ngspice's process-wide state, and the only file that calls into ngspice.
///
/// ngspice keeps its state in globals, so one loaded library file is one simulator. The engine
/// loads the library with `dlopen` (a missing library is ``SpiceError/libraryMissing(reason:)``),
/// initializes it once, and serializes every call with a lock: solvers on several threads share
/// it safely (one at a time). ``shared()`` drives the system library; ``isolatedCopy()`` loads a
/// private copy of the library file, an independent simulator (for a worker, or a test that must
/// not disturb others). Parallel solves belong in child processes or copies, never in
/// `bg_run` (not used).
///
/// At start the engine sets the C numeric locale, sends `set nomoremode`, `unset interactive`,
/// `set noaskquit`, `set no_mem_check` (no read of `/proc/meminfo` at every `op`, sweep point or
/// accepted time point) and `set norefvalue` (no `clock()` progress line per point) — neither
/// changes a result; together they took ~20 % of a co-simulation — and restores the signal handlers that were installed before
/// `ngSpice_Init`, so the process's own Ctrl-C handling keeps working. (Debian's ngspice 39
/// installs no SIGINT handler during commands either; upstream builds may, for the duration of
/// a command, and then handle a Ctrl-C that arrives inside `op` themselves.) Like every ngspice
/// program it sources a `.spiceinit` from the working directory or the home directory, if one
/// exists.
///
/// Results are judged from data, never from return codes (ngspice returns 0 after most failures):
/// a netlist is accepted when a parameter of one of its devices can be read back; an operating
/// point succeeded when a data point arrived with every node's vector, all finite; a `dc` sweep
/// when every one of its points did.
///
/// Sources declared `external` get their values from the engine (ngspice's GetVSRCData callback,
/// registered with `ngSpice_Init_Sync` at start): during ``sweep(_:nodeCount:externalSources:values:)``
/// point k's values, during ``transient(_:observer:)`` the observer's (which also sees every
/// accepted time point and may shorten time steps: ``TransientSession``), otherwise NaN (an
/// analysis outside a sweep fails as non-finite).
public final class NgspiceEngine: @unchecked Sendable {
    /// The engine of the system library (loaded on first use).
    public static func shared() throws -> NgspiceEngine { try sharedEngine.get() }

    /// A new engine on a private copy of the system library file: an independent simulator.
    /// Each copy costs a few MB of memory for the rest of the process.
    public static func isolatedCopy() throws -> NgspiceEngine {
        let source = try systemLibraryPath()
        let copy = FileManager.default.temporaryDirectory
            .appendingPathComponent("clln-ngspice-\(getpid())-\(UUID().uuidString).so").path
        do {
            try FileManager.default.copyItem(atPath: source, toPath: copy)
        } catch {
            throw SpiceError.libraryMissing(reason: "cannot copy \(source) to \(copy): \(error)")
        }
        defer { try? FileManager.default.removeItem(atPath: copy) }  // the mapping outlives the file
        return try NgspiceEngine(libraryPath: copy)
    }

    /// An engine on the library file at `path`. Each engine needs its own file (a copy, not a
    /// link): loading a file that another engine already drives is a programming error.
    public convenience init(libraryPath path: String) throws {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw SpiceError.libraryMissing(reason: "dlopen(\(path)): \(Self.lastDynamicLinkerError())")
        }
        try self.init(handle: handle, path: path)
    }

    /// ngspice's version as its start-up banner reports it (e.g. "39").
    public private(set) var version = ""
    /// The sparse linear solver the solvers' circuits use: KLU when this library has it (ngspice
    /// ≥ 41 built with KLU, confirmed by its "Using KLU" banner on a probe circuit), else Sparse 1.3.
    public private(set) var linearSolver = LinearSolver.sparse
    /// The library file this engine drives.
    public let libraryPath: String
    /// Whether the engine survives ngspice's ControlledExit after a fatal error: the library
    /// exports `ngSpice_Reset` (ngspice ≥ 44), so it is reset and initialized again (the failing
    /// call throws ``SpiceError/engineReset(log:)``). Otherwise, and always after a `quit`
    /// command, every later call throws ``SpiceError/engineUnrecoverable(log:)``.
    public var recoversFromExit: Bool { api.reset != nil }
    /// Whether transient analyses can take breakpoints (the library exports `ngSpice_SetBkpt`).
    public var setsBreakpoints: Bool { api.setBreakpoint != nil }

    /// The last lines ngspice printed (newest last), each prefixed `stdout`, `stderr` or `status`.
    public var recentOutput: [String] { output.tail(100) }

    /// Runs one raw ngspice command and returns what it printed. For diagnostics only: commands
    /// that remove or switch circuits (`remcirc`, `setcirc`, `reset`) break the solvers' bookkeeping.
    public func execute(_ command: String) throws -> [String] {
        try withLock {
            let mark = output.count
            try self.command(command)
            return output.lines(since: mark)
        }
    }

    /// Runs `body` and returns every call this engine made into ngspice meanwhile (calls made by
    /// other threads on the same engine included).
    public func trace<T>(_ body: () throws -> T) rethrows -> (result: T, calls: [NgspiceCall]) {
        let recorder = CallRecorder()
        setTracer { recorder.calls.append($0) }
        defer { setTracer(nil) }
        let result = try body()
        return (result, recorder.calls)
    }

    // MARK: Raw netlists (benchmarks and diagnostics)

    /// A netlist loaded with ``loadNetlist(_:probe:)``.
    public struct LoadedNetlist: Hashable, Sendable {
        fileprivate let number: Int
        var id: CircuitID { CircuitID(number: number) }
    }

    /// Loads a netlist as written (no compiler); `probe` is a device parameter it defines
    /// (e.g. `@v1[dc]`), read back to confirm ngspice accepted it. For benchmarks that drive
    /// ngspice the way other programs do; solvers never see these circuits.
    public func loadNetlist(_ lines: [String], probe: String) throws -> LoadedNetlist {
        try withLock { LoadedNetlist(number: try loadCircuit(lines, probe: probe).number) }
    }

    /// Removes a netlist loaded with ``loadNetlist(_:probe:)``.
    public func removeNetlist(_ netlist: LoadedNetlist) throws {
        try withLock { try removeCircuit(netlist.id) }
    }

    /// Runs `commands` one after the other on `netlist` and returns every line ngspice printed
    /// meanwhile (each prefixed `stdout ` or `stderr `, as ngspice sends them; none dropped).
    public func run(_ commands: [String], on netlist: LoadedNetlist) throws -> [String] {
        try withLock {
            try select(netlist.id)
            output.startCapture()
            defer { _ = output.stopCapture() }
            for text in commands { try command(text) }
            return output.stopCapture()
        }
    }

    /// The latest value of each named vector of the current plot (`ngGet_Vec_Info`); NaN for a
    /// vector that does not exist.
    public func vectorValues(_ names: [String]) throws -> [Double] {
        try withLock {
            try names.map { name in
                try call(.vectorInfo(name)) {
                    guard let info = name.withCString({ api.vectorInfo(UnsafeMutablePointer(mutating: $0)) })?.pointee,
                          info.v_length > 0, let data = info.v_realdata else { return .nan }
                    return data[Int(info.v_length) - 1]
                }
            }
        }
    }

    // MARK: Internal interface for the solver (every method requires `withLock`)

    /// A circuit loaded into ngspice by this engine.
    struct CircuitID: Hashable {
        fileprivate let number: Int
    }

    /// Time spent inside ngspice, in nanoseconds, since the engine started.
    struct Timing {
        /// Inside analysis commands (`op`, and the `dc` of sweeps).
        var analysis: UInt64 = 0
        var allCalls: UInt64 = 0
        /// This engine's session points and their Newton iterations.
        var sessionPoints = SessionPointCounts()
    }

    /// ngspice copies a command into a 1,024-byte buffer without terminating it when longer
    /// (`runc` in sharedspice.c), and its lexer cuts lines at 1,023 bytes.
    static let maximumCommandLength = 1023

    /// Commands between two `ngSpice_Command(NULL)` calls (each command keeps ~300–480 B until then).
    static let commandsPerMemoryReset = 1000

    /// Runs `body` holding the engine's lock; throws ``SpiceError/engineUnrecoverable(log:)``
    /// once ngspice has exited.
    func withLock<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        lockOwner = pthread_self()
        defer {
            lockOwner = nil
            lock.unlock()
        }
        try ensureAlive()
        return try body()
    }

    /// Loads a netlist; it becomes the selected circuit. `probe` is a device parameter of the
    /// netlist (e.g. `@vh0[dc]`): the netlist is accepted when ngspice can read it back. After a
    /// rejection every circuit is removed (ngspice leaves an unparsed circuit selected); check
    /// ``isLoaded(_:)`` before using an older circuit.
    func loadCircuit(_ lines: [String], probe: String) throws -> CircuitID {
        try endSession()
        let mark = output.count
        let copies = lines.map { strdup($0) } + [nil]
        defer { copies.forEach { free($0) } }
        var pointers = copies
        let status = try call(.loadCircuit(title: lines.first ?? "", lineCount: lines.count)) {
            pointers.withUnsafeMutableBufferPointer { api.circuit($0.baseAddress) }
        }
        let accepted = try status == 0 && call(.vectorInfo(probe)) {
            probe.withCString { api.vectorInfo(UnsafeMutablePointer(mutating: $0)) } != nil
        }
        guard accepted else {
            let log = output.lines(since: mark)
            try removeAllCircuits()
            throw SpiceError.netlistRejected(line: Self.rejectedLine(in: log), log: log)
        }
        let id = CircuitID(number: nextCircuitNumber)
        nextCircuitNumber += 1
        circuitsNewestFirst.insert(id, at: 0)
        selectedCircuit = id
        return id
    }

    /// Whether `circuit` is still loaded.
    func isLoaded(_ circuit: CircuitID) -> Bool { circuitsNewestFirst.contains(circuit) }

    /// How many circuits are loaded.
    var loadedCircuitCount: Int { circuitsNewestFirst.count }

    /// Makes `circuit` the one that commands act on (`setcirc` when another is selected).
    func select(_ circuit: CircuitID) throws {
        if session != nil && session != circuit { try endSession() }  // before numbering the circuits
        guard selectedCircuit != circuit else { return }
        guard let index = circuitsNewestFirst.firstIndex(of: circuit) else {
            preconditionFailure("circuit \(circuit.number) is not loaded")
        }
        try command("setcirc \(index + 1)")  // ngspice numbers its circuits from 1, newest first
        selectedCircuit = circuit
    }

    /// Removes `circuit` from ngspice (`remcirc`); no-op when it is not loaded.
    func removeCircuit(_ circuit: CircuitID) throws {
        guard isLoaded(circuit) else { return }
        if session == circuit { return try endSession() }  // which removes it
        try select(circuit)
        try command("remcirc")
        circuitsNewestFirst.removeAll { $0 == circuit }
        selectedCircuit = circuitsNewestFirst.first  // ngspice selects the newest remaining one
    }

    /// Sends one command (no newline, at most ``maximumCommandLength`` bytes).
    func command(_ text: String) throws {
        precondition(
            text.utf8.count <= Self.maximumCommandLength && !text.utf8.contains(UInt8(ascii: "\n")),
            "ngspice commands are single lines of at most \(Self.maximumCommandLength) bytes")
        if session != nil && !inSessionCommand { try endSession() }
        _ = try call(.command(text)) {
            text.withCString { api.command(UnsafeMutablePointer(mutating: $0)) }
        }
        commandsSinceMemoryReset += 1
    }

    /// Runs `op` on the selected circuit and copies the voltages of nodes `n0 … n<count−1>` into
    /// `voltages` (node order). Then destroys every plot, and frees command memory every
    /// ``commandsPerMemoryReset`` commands, so that memory stays flat.
    func operatingPoint(nodeCount: Int, into voltages: inout [Double]) throws {
        let mark = output.count
        let received = try analyze("op", nodeCount: nodeCount)
        guard received.points > 0 else { throw SpiceError.noConvergence(log: output.lines(since: mark)) }
        try check(received, nodeCount: nodeCount, since: mark)
        voltages = Array(received.values[0..<nodeCount])
    }

    /// Runs `dc <source> 0 <M−1> 1` on the selected circuit, M = `values.count`: M operating
    /// points in one analysis, each Newton run starting from the previous point's solution.
    /// During point k the circuit's `external` sources read `values[k]` (source
    /// `externalSources[j]`, lower-case as ngspice names it, reads `values[k][j]`). Returns the
    /// voltages of nodes `n0 … n<count−1>` per point (node order); destroys every plot and frees
    /// command memory as ``operatingPoint(nodeCount:into:)`` does.
    func sweep(_ source: String, nodeCount: Int, externalSources: [String], values: [[Double]]) throws -> [[Double]] {
        let points = values.count
        precondition(points >= 1 && values.allSatisfy { $0.count == externalSources.count },
            "a sweep needs at least one point and one value per external source and point")
        let mark = output.count
        externalValues = ExternalSourceValues(sources: externalSources, values: values)
        defer { externalValues = ExternalSourceValues() }
        let received = try analyze("dc \(source) 0 \(points - 1) 1", nodeCount: nodeCount)
        guard received.points == points else {
            throw SpiceError.sweepStopped(completed: received.points, of: points, log: output.lines(since: mark))
        }
        try check(received, nodeCount: nodeCount, since: mark)
        return (0..<points).map { k in Array(received.values[(k * nodeCount)..<((k + 1) * nodeCount)]) }
    }

    /// Runs a transient analysis command (`tran …`) on the selected circuit, routing its callbacks
    /// to `observer`: the plot's vector names, every accepted time point, the values of
    /// `external` voltage and current sources, and each time step before ngspice takes it. The
    /// command is synchronous (no `bg_run`); the observer is called on this thread, inside the
    /// engine's lock, and must not call the engine. Then destroys every plot and frees command
    /// memory as ``operatingPoint(nodeCount:into:)`` does. Returns what ngspice printed meanwhile;
    /// success is the observer's to judge. `breakpoints` (seconds from the analysis' start) become
    /// ngspice breakpoints (`ngSpice_SetBkpt`, where the library has it: ``setsBreakpoints``): it
    /// lands a point on each and restarts integration there at first order, as at a PWL corner.
    func transient(_ analysis: String, breakpoints: [Double] = [], observer: any TransientObserver) throws -> [String] {
        let mark = output.count
        transientObserver = observer
        transientBreakpoints = breakpoints
        defer {
            transientObserver = nil
            transientBreakpoints = []
        }
        _ = try analyze(analysis, nodeCount: 0)
        return output.lines(since: mark)
    }

    // MARK: Stepped sweeps (sessions)

    /// Values of a session's `external` sources, written by the solver between points: source
    /// `names[j]` (lower-case, as ngspice names it) reads `values[j]`.
    ///
    /// ngspice asks for every source once per Newton iteration, always in the same order and
    /// with the same name pointer per source. The first iteration learns that order (a name
    /// lookup per source); later reads compare one pointer and advance a cursor, without
    /// hashing (measured: the dictionary lookup per read was ~10 % of an 18-edge session point,
    /// whose Newton iterations make ~400 reads).
    final class ExternalInputs {
        let index: [String: Int]
        @exclusivity(unchecked) var values: [Double]
        /// Each name pointer seen, and its value's index, in the order ngspice asked for them.
        @exclusivity(unchecked) private var order: [(name: UnsafeMutablePointer<CChar>, column: Int)] = []
        /// Position in ``order`` of the next expected read.
        @exclusivity(unchecked) private var cursor = 0
        /// Matrix loads so far: reads of the first source in ``order`` (ngspice loads, and so
        /// reads every source, once per Newton iteration).
        @exclusivity(unchecked) private(set) var loads = 0

        init(names: [String], values: [Double]) {
            precondition(names.count == values.count, "one value per external source")
            index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            self.values = values
        }

        @inline(__always)
        fileprivate func value(_ name: UnsafeMutablePointer<CChar>) -> Double {
            if cursor < order.count, order[cursor].name == name {
                if cursor == 0 { loads += 1 }
                cursor += 1
                return values[order[cursor - 1].column]
            }
            if cursor == order.count, let first = order.first, first.name == name {
                cursor = 1  // the next Newton iteration
                loads += 1
                return values[first.column]
            }
            return lookUp(name)
        }

        /// A read out of the learned order: found by pointer (or by name, then learned), and the
        /// cursor moved to follow it.
        private func lookUp(_ name: UnsafeMutablePointer<CChar>) -> Double {
            if let position = order.firstIndex(where: { $0.name == name }) {
                if position == 0 { loads += 1 }
                cursor = position + 1
                return values[order[position].column]
            }
            guard let column = index[String(cString: name)] else { return .nan }
            if order.isEmpty { loads += 1 }
            order.append((name, column))
            cursor = order.count
            return values[column]
        }
    }

    /// Starts a session on `circuit` (a netlist with `external` sources and the sweep source
    /// `sweepSource`): `dc <sweepSource> 0 1e12 1` paused after its first point by a breakpoint
    /// (`stop after 1`). Each later ``stepSession(_:nodeCount:into:)`` (`step`) resumes it for one
    /// more point. A point is an operating point whose Newton iteration starts from the previous
    /// point's solution, without ngspice's per-analysis set-up (rebuilding the matrix, reordering,
    /// evaluating every model) — only loads, refactorizations and solves. `inputs` supply every
    /// `external` source at every Newton iteration. Any other use of this engine ends the session
    /// and removes its circuit (restarting an analysis on it would redo the set-up, whose cost
    /// grows with sources × nodes); the owner then loads it again. Copies the first point's node
    /// voltages into `voltages`.
    func beginSession(
        _ circuit: CircuitID, sweepSource: String, inputs: ExternalInputs, nodeCount: Int, into voltages: inout [Double]
    ) throws {
        try endSession()
        try select(circuit)
        try command("stop after 1")
        sessionInputs = inputs
        session = circuit
        do {
            try sessionPoint("dc \(sweepSource) 0 1e12 1", nodeCount: nodeCount, into: &voltages)
        } catch {
            try endSession()
            throw error
        }
    }

    /// Whether `circuit` holds this engine's running session.
    func hasSession(on circuit: CircuitID) -> Bool { session == circuit && isLoaded(circuit) }

    /// The next point of the session on `circuit` (see ``beginSession(_:sweepSource:inputs:nodeCount:into:)``),
    /// with the inputs' current values. On failure the session ends and its circuit is removed.
    func stepSession(_ circuit: CircuitID, nodeCount: Int, into voltages: inout [Double]) throws {
        precondition(hasSession(on: circuit), "no session on this circuit")
        do {
            try sessionPoint("step", nodeCount: nodeCount, into: &voltages)
        } catch {
            try endSession()
            throw error
        }
    }

    /// Runs one session command and checks that exactly one point with every node arrived.
    private func sessionPoint(_ analysis: String, nodeCount: Int, into voltages: inout [Double]) throws {
        let mark = output.count
        point.prepare(nodeCount: nodeCount)
        let start = DispatchTime.now().uptimeNanoseconds
        let loadsBefore = sessionInputs?.loads ?? 0
        inSessionCommand = true
        defer { inSessionCommand = false }
        try command(analysis)
        timing.analysis += DispatchTime.now().uptimeNanoseconds - start
        let iterations = (sessionInputs?.loads ?? 0) - loadsBefore
        timing.sessionPoints.add(first: analysis != "step", newtonIterations: iterations)
        let received = point
        guard received.points == 1 else { throw SpiceError.noConvergence(log: output.lines(since: mark)) }
        try check(received, nodeCount: nodeCount, since: mark)
        if commandsSinceMemoryReset >= Self.commandsPerMemoryReset {
            _ = try call(.freeCommandMemory) { api.command(nil) }
            commandsSinceMemoryReset = 0
        }
        for i in 0..<nodeCount { voltages[i] = received.values[i] }
    }

    /// Ends the running session, if any: removes its circuit and every plot.
    private func endSession() throws {
        guard let circuit = session else { return }
        session = nil
        sessionInputs = nil
        try removeCircuit(circuit)
        try command("destroy all")
    }

    /// Time spent in ngspice so far.
    var timingSnapshot: Timing {
        lock.lock()
        defer { lock.unlock() }
        return timing
    }

    // MARK: State

    private static let sharedEngine = Result { try NgspiceEngine(libraryPath: systemLibraryPath()) }
    private static let claimedHandlesLock = NSLock()
    nonisolated(unsafe) private static var claimedHandles: Set<UnsafeMutableRawPointer> = []

    private let api: NgspiceFunctions
    private let lock = NSLock()
    private var lockOwner: pthread_t?
    private let output = OutputLog(capacity: 400)
    private var exited = false
    /// The exit was a `quit` command, after which ngspice has freed its state (ngSpice_Reset would
    /// free it again: measured on ngspice 46, it crashes).
    private var exitedOnQuit = false
    private var circuitsNewestFirst: [CircuitID] = []
    private var selectedCircuit: CircuitID?
    private var nextCircuitNumber = 1
    private var commandsSinceMemoryReset = 0
    @exclusivity(unchecked) private var point = PointCollector()
    @exclusivity(unchecked) private var externalValues = ExternalSourceValues()
    /// The circuit whose paused `dc` sweep is the running session, and its inputs.
    private var session: CircuitID?
    @exclusivity(unchecked) private var sessionInputs: ExternalInputs? {
        didSet { sessionInputsUnretained = sessionInputs }
    }
    /// ``sessionInputs`` without a retain and release per read (GetVSRCData runs once per
    /// source and Newton iteration); ``sessionInputs`` keeps the object alive.
    @exclusivity(unchecked) private unowned(unsafe) var sessionInputsUnretained: ExternalInputs?
    /// A session's own command is running (other commands end the session first).
    private var inSessionCommand = false
    /// The observer of the running transient analysis (see ``transient(_:observer:)``).
    /// Unowned: ``transient(_:breakpoints:observer:)`` holds it for as long as it is set.
    @exclusivity(unchecked) private unowned(unsafe) var transientObserver: (any TransientObserver)?
    /// Breakpoints of the running transient analysis, set once its plot begins.
    private var transientBreakpoints: [Double] = []
    /// One accepted point's values, in the plot's vector order (reused between points).
    @exclusivity(unchecked) private var transientValues: [Double] = []
    private var timing = Timing()
    private var tracer: ((NgspiceCall) -> Void)?

    private init(handle: UnsafeMutableRawPointer, path: String) throws {
        let isNew = Self.claimedHandlesLock.withLock { Self.claimedHandles.insert(handle).inserted }
        precondition(isNew, "\(path) is already driven by another NgspiceEngine; give each engine its own copy")
        api = try NgspiceFunctions(handle: handle, path: path)
        libraryPath = path
        try withLock { try initializeLibrary() }
        version = output.tail(20).lazy.compactMap(Self.bannerVersion).first ?? "unknown"
        linearSolver = try withLock { try probeLinearSolver() }
    }

    /// `ngSpice_Init` and `ngSpice_Init_Sync` with the engine's callbacks, then the settings the
    /// engine relies on; restores the signal handlers ngspice replaced. Requires the lock.
    private func initializeLibrary() throws {
        let signals = SignalDispositions.current()
        defer { signals.restore() }
        let context = Unmanaged.passUnretained(self).toOpaque()
        let status = try call(.initialize) {
            api.initialize(
                { text, _, engine in NgspiceEngine.from(engine).output.append(text, prefix: nil) },
                { text, _, engine in NgspiceEngine.from(engine).output.append(text, prefix: "status ") },
                { status, _, quit, _, engine in NgspiceEngine.from(engine).receiveExit(status: status, quit: quit) },
                { values, _, _, engine in NgspiceEngine.with(engine) { $0.receiveData(values) } },
                { vectors, _, engine in NgspiceEngine.from(engine).receiveInitData(vectors) },
                nil,
                context)
        }
        let syncStatus = try call(.initializeSync) {
            api.initializeSync(
                { value, _, name, _, engine in NgspiceEngine.with(engine) { $0.supplyExternalValue(value, source: name) } },
                { value, time, name, _, engine in NgspiceEngine.with(engine) { $0.supplyExternalCurrent(value, time: time, source: name) } },
                { time, delta, _, _, _, _, engine in NgspiceEngine.with(engine) { $0.synchronize(time: time, delta: delta) } },
                nil, context)
        }
        setlocale(LC_NUMERIC, "C")
        guard status == 0 else { throw SpiceError.libraryMissing(reason: "ngSpice_Init returned \(status)") }
        guard syncStatus == 0 else { throw SpiceError.libraryMissing(reason: "ngSpice_Init_Sync returned \(syncStatus)") }
        for setting in ["set nomoremode", "unset interactive", "set noaskquit", "set no_mem_check", "set norefvalue"] {
            try command(setting)
        }
    }

    /// After ngspice's ControlledExit (seen when a call returns). A fatal error (ngspice "awaits to
    /// be reset or detached", e.g. a netlist whose `.include` file is missing) with `ngSpice_Reset`
    /// in the library (ngspice ≥ 44): resets the library, initializes it again and forgets every
    /// circuit, so that solvers load theirs afresh at their next solve, then throws
    /// ``SpiceError/engineReset(log:)`` for the call that failed. After a `quit`, or without the
    /// function, the engine stays dead: ``SpiceError/engineUnrecoverable(log:)``. Requires the lock.
    private func recoverFromExit() throws -> Never {
        let log = output.tail(20)
        guard let reset = api.reset, !exitedOnQuit else { throw SpiceError.engineUnrecoverable(log: log) }
        exited = false
        circuitsNewestFirst.removeAll()
        selectedCircuit = nil
        point = PointCollector()
        externalValues = ExternalSourceValues()
        session = nil
        sessionInputs = nil
        _ = try call(.reset) { reset() }
        try initializeLibrary()
        throw SpiceError.engineReset(log: log)
    }

    /// Runs `op` on a one-resistor circuit with `.options klu` and reads the banner ngspice prints
    /// when its analysis takes the option; older libraries ignore the option and keep Sparse 1.3.
    private func probeLinearSolver() throws -> LinearSolver {
        let mark = output.count
        let circuit = try loadCircuit(
            ["* clln: linear solver probe", ".options klu", "vprobe 1 0 1", "rprobe 1 0 1k", ".end"], probe: "@rprobe[resistance]")
        _ = try analyze("op", nodeCount: 0)
        let usesKLU = output.lines(since: mark).contains { $0.contains("Using KLU") }
        try removeCircuit(circuit)
        return usesKLU ? .klu : .sparse
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> NgspiceEngine {
        Unmanaged<NgspiceEngine>.fromOpaque(context!).takeUnretainedValue()
    }

    /// `body` on the engine behind a callback's context, without a retain/release pair (the
    /// callbacks called at every Newton iteration or time point; the engine outlives its library).
    private static func with<R>(_ context: UnsafeMutableRawPointer?, _ body: (NgspiceEngine) -> R) -> R {
        Unmanaged<NgspiceEngine>.fromOpaque(context!)._withUnsafeGuaranteedRef(body)
    }

    private func receiveExit(status: Int32, quit: Bool) -> Int32 {
        exited = true
        exitedOnQuit = quit
        output.append("exit status=\(status) quit=\(quit)")
        return 0
    }

    /// GetVSRCData: during a transient its observer's value; otherwise point k's value of an
    /// `external` source (k = points received so far).
    private func supplyExternalValue(_ value: UnsafeMutablePointer<Double>?, source: UnsafeMutablePointer<CChar>?) -> Int32 {
        if let observer = transientObserver {
            value?.pointee = source.map { observer.externalValue(source: $0, current: false) } ?? .nan
            return 0
        }
        if let inputs = sessionInputsUnretained {
            value?.pointee = source.map { inputs.value($0) } ?? .nan
            return 0
        }
        value?.pointee = source.map { externalValues.value(source: String(cString: $0), point: point.points) } ?? .nan
        return 0
    }

    /// GetISRCData: the transient observer's value of an `external` current source (NaN outside
    /// a transient, which makes the analysis fail).
    private func supplyExternalCurrent(_ value: UnsafeMutablePointer<Double>?, time: Double, source: UnsafeMutablePointer<CChar>?) -> Int32 {
        value?.pointee = source.flatMap { name in transientObserver.map { $0.externalValue(source: name, current: true) } } ?? .nan
        return 0
    }

    /// GetSyncData (called by transient analyses only): lets the observer shorten the next step.
    private func synchronize(time: Double, delta: UnsafeMutablePointer<Double>?) -> Int32 {
        if let observer = transientObserver, let delta { observer.limitStep(time: time, delta: &delta.pointee) }
        return 0
    }

    private func receiveInitData(_ info: UnsafeMutablePointer<vecinfoall>?) -> Int32 {
        guard let observer = transientObserver else { return point.receive(info) }
        guard let info = info?.pointee, let vectors = info.vecs else { return 0 }
        observer.begin(vectors: (0..<Int(info.veccount)).map { i in vectors[i]?.pointee.vecname.map { String(cString: $0) } ?? "" })
        // The plot begins after DCtran has reset its breakpoint list, so these are kept.
        if let setBreakpoint = api.setBreakpoint { for time in transientBreakpoints { _ = setBreakpoint(time) } }
        transientValues = [Double](repeating: .nan, count: Int(info.veccount))
        return 0
    }

    private func receiveData(_ data: UnsafeMutablePointer<vecvaluesall>?) -> Int32 {
        guard let observer = transientObserver else { return point.receive(data) }
        guard let data = data?.pointee, let vectors = data.vecsa else { return 0 }
        for i in 0..<min(Int(data.veccount), transientValues.count) { transientValues[i] = vectors[i]?.pointee.creal ?? .nan }
        observer.accept(transientValues)
        return 0
    }

    /// Runs an analysis command, collecting its points; then `destroy all` and, every
    /// ``commandsPerMemoryReset`` commands, `ngSpice_Command(NULL)`.
    private func analyze(_ analysis: String, nodeCount: Int) throws -> PointCollector {
        point.prepare(nodeCount: nodeCount)
        let start = DispatchTime.now().uptimeNanoseconds
        try command(analysis)
        timing.analysis += DispatchTime.now().uptimeNanoseconds - start
        let received = point
        try command("destroy all")
        if commandsSinceMemoryReset >= Self.commandsPerMemoryReset {
            _ = try call(.freeCommandMemory) { api.command(nil) }
            commandsSinceMemoryReset = 0
        }
        return received
    }

    /// Throws unless every point has every node's vector, all finite.
    private func check(_ received: PointCollector, nodeCount: Int, since mark: Int) throws {
        guard received.mappedNodes == nodeCount else {
            let found = Set(received.vectorNode.filter { $0 >= 0 })
            let missing = (0..<nodeCount).filter { !found.contains(Int32($0)) }.map { "n\($0)" }
            throw SpiceError.incompleteResults(missing: missing, log: output.lines(since: mark))
        }
        if let bad = received.values.firstIndex(where: { !$0.isFinite }) {
            throw SpiceError.nonFinite(node: "n\(bad % nodeCount)")
        }
    }

    private func ensureAlive() throws {
        if exited { throw SpiceError.engineUnrecoverable(log: output.tail(20)) }
    }

    /// Every call into ngspice passes here: traced, timed, and checked for ControlledExit.
    private func call<T>(_ traced: @autoclosure () -> NgspiceCall, _ body: () -> T) throws -> T {
        precondition(lockOwner.map { pthread_equal($0, pthread_self()) != 0 } ?? false,
            "ngspice called without holding NgspiceEngine's lock")
        try ensureAlive()
        tracer?(traced())
        let start = DispatchTime.now().uptimeNanoseconds
        let result = body()
        timing.allCalls += DispatchTime.now().uptimeNanoseconds - start
        if exited { try recoverFromExit() }
        return result
    }

    private func removeAllCircuits() throws {
        // One `remcirc` per circuit we loaded, plus one for an unparsed circuit ngspice may
        // have selected (an extra `remcirc` on an empty list only prints an error).
        for _ in 0...circuitsNewestFirst.count { try command("remcirc") }
        circuitsNewestFirst.removeAll()
        selectedCircuit = nil
    }

    private func setTracer(_ newTracer: ((NgspiceCall) -> Void)?) {
        lock.lock()
        defer { lock.unlock() }
        tracer = newTracer
    }

    /// The netlist line ngspice quoted after "Error on line …" (or the first error line).
    private static func rejectedLine(in log: [String]) -> String {
        let errors = log.filter { $0.hasPrefix("stderr ") }.map { String($0.dropFirst("stderr ".count)) }
        if let at = errors.firstIndex(where: { $0.hasPrefix("Error on line") }), at + 1 < errors.count {
            return errors[at + 1].trimmingCharacters(in: .whitespaces)
        }
        return errors.first ?? "(ngspice reported no line)"
    }

    /// "ngspice-39" from the banner line "** ngspice-39 shared library".
    private static func bannerVersion(_ line: String) -> String? {
        guard let start = line.range(of: "** ngspice-"), let end = line.range(of: " shared library") else { return nil }
        return String(line[start.upperBound..<end.lowerBound])
    }

    private static func systemLibraryPath() throws -> String {
        #if os(macOS)
            let names = ["libngspice.0.dylib", "libngspice.dylib", "/opt/homebrew/lib/libngspice.0.dylib",
                "/usr/local/lib/libngspice.0.dylib"]
        #else
            let names = ["libngspice.so.0", "libngspice.so"]
        #endif
        var reasons: [String] = []
        for name in names {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                reasons.append(lastDynamicLinkerError())
                continue
            }
            defer { dlclose(handle) }
            guard dlsym(handle, "ngSpice_Init") != nil, let path = loadedImagePath(named: "libngspice") else {
                reasons.append("\(name) is not ngspice's shared library (no ngSpice_Init)")
                continue
            }
            return path
        }
        throw SpiceError.libraryMissing(reason: reasons.joined(separator: "; "))
    }

    /// The resolved path of a loaded library whose file name starts with `prefix`.
    private static func loadedImagePath(named prefix: String) -> String? {
        #if os(macOS)
            let images = (0..<_dyld_image_count()).compactMap { _dyld_get_image_name($0).map { String(cString: $0) } }
        #else
            // /proc/self/maps lines end with the mapped file's path (dladdr is not visible to Swift).
            // (read to end of file: procfs reports size 0, and String(contentsOfFile:) stops early)
            let data = FileHandle(forReadingAtPath: "/proc/self/maps")?.readDataToEndOfFile() ?? Data()
            let maps = String(decoding: data, as: UTF8.self)
            let images = maps.split(separator: "\n").compactMap { line in line.firstIndex(of: "/").map { String(line[$0...]) } }
        #endif
        guard let image = images.first(where: { URL(fileURLWithPath: $0).lastPathComponent.hasPrefix(prefix) }) else { return nil }
        return URL(fileURLWithPath: image).resolvingSymlinksInPath().path
    }

    private static func lastDynamicLinkerError() -> String {
        dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
    }
}

// MARK: - The C side

private typealias TextCallback = @convention(c) (UnsafeMutablePointer<CChar>?, Int32, UnsafeMutableRawPointer?) -> Int32
private typealias ExitCallback = @convention(c) (Int32, Bool, Bool, Int32, UnsafeMutableRawPointer?) -> Int32
private typealias DataCallback = @convention(c) (UnsafeMutablePointer<vecvaluesall>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
private typealias InitDataCallback = @convention(c) (UnsafeMutablePointer<vecinfoall>?, Int32, UnsafeMutableRawPointer?) -> Int32
private typealias ThreadCallback = @convention(c) (Bool, Int32, UnsafeMutableRawPointer?) -> Int32
private typealias SourceValueCallback = @convention(c) (
    UnsafeMutablePointer<Double>?, Double, UnsafeMutablePointer<CChar>?, Int32, UnsafeMutableRawPointer?
) -> Int32
private typealias SyncCallback = @convention(c) (
    Double, UnsafeMutablePointer<Double>?, Double, Int32, Int32, Int32, UnsafeMutableRawPointer?
) -> Int32

/// The sparse direct solver ngspice factors its circuit matrices with.
public enum LinearSolver: String, Sendable, Codable {
    /// SuiteSparse KLU (`.options klu`, ngspice ≥ 41 when built with it): fast on large networks.
    case klu = "KLU"
    /// Kundert's Sparse 1.3, ngspice's classic solver (the only one of ngspice 39).
    case sparse = "Sparse 1.3"
}

/// The API functions used, resolved with `dlsym`.
private struct NgspiceFunctions {
    typealias Initialize = @convention(c) (
        TextCallback?, TextCallback?, ExitCallback?, DataCallback?, InitDataCallback?, ThreadCallback?,
        UnsafeMutableRawPointer?
    ) -> Int32
    typealias InitializeSync = @convention(c) (
        SourceValueCallback?, SourceValueCallback?, SyncCallback?, UnsafeMutablePointer<Int32>?, UnsafeMutableRawPointer?
    ) -> Int32
    typealias Command = @convention(c) (UnsafeMutablePointer<CChar>?) -> Int32
    typealias Circuit = @convention(c) (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32
    typealias VectorInfo = @convention(c) (UnsafeMutablePointer<CChar>?) -> UnsafeMutablePointer<vector_info>?
    typealias Reset = @convention(c) () -> Int32
    typealias SetBreakpoint = @convention(c) (Double) -> Bool

    let initialize: Initialize
    let initializeSync: InitializeSync
    let command: Command
    let circuit: Circuit
    let vectorInfo: VectorInfo
    /// `nil` before ngspice 44.
    let reset: Reset?
    /// `ngSpice_SetBkpt`; `nil` where the library lacks it.
    let setBreakpoint: SetBreakpoint?

    init(handle: UnsafeMutableRawPointer, path: String) throws {
        func resolve<F>(_ name: String, as _: F.Type) throws -> F {
            guard let symbol = dlsym(handle, name) else {
                throw SpiceError.libraryMissing(reason: "\(path) has no \(name); it is not ngspice's shared library")
            }
            return unsafeBitCast(symbol, to: F.self)
        }
        initialize = try resolve("ngSpice_Init", as: Initialize.self)
        initializeSync = try resolve("ngSpice_Init_Sync", as: InitializeSync.self)
        command = try resolve("ngSpice_Command", as: Command.self)
        circuit = try resolve("ngSpice_Circ", as: Circuit.self)
        vectorInfo = try resolve("ngGet_Vec_Info", as: VectorInfo.self)
        reset = dlsym(handle, "ngSpice_Reset").map { unsafeBitCast($0, to: Reset.self) }
        setBreakpoint = dlsym(handle, "ngSpice_SetBkpt").map { unsafeBitCast($0, to: SetBreakpoint.self) }
    }
}

/// Node voltages of an analysis, filled by the SendInitData and SendData callbacks: the first
/// names the plot's vectors (in a fixed order), the second sends every vector's value at one
/// point (once for `op`, once per accepted point of a `dc` sweep).
private struct PointCollector {
    var nodeCount = 0
    /// Node index of each of the plot's vectors (−1: not a node `n<i>` with i < nodeCount).
    var vectorNode: [Int32] = []
    var mappedNodes = 0
    /// `nodeCount` voltages per point received, in node order.
    var values: [Double] = []
    var points = 0

    mutating func prepare(nodeCount: Int) {
        self.nodeCount = nodeCount
        vectorNode.removeAll(keepingCapacity: true)
        mappedNodes = 0
        values = []
        points = 0
    }

    mutating func receive(_ info: UnsafeMutablePointer<vecinfoall>?) -> Int32 {
        guard let info = info?.pointee, let vectors = info.vecs else { return 0 }
        vectorNode.removeAll(keepingCapacity: true)
        mappedNodes = 0
        for i in 0..<Int(info.veccount) {
            let node = vectors[i]?.pointee.vecname.map { Self.nodeIndex($0, below: nodeCount) } ?? -1
            vectorNode.append(node)
            if node >= 0 { mappedNodes += 1 }
        }
        return 0
    }

    mutating func receive(_ data: UnsafeMutablePointer<vecvaluesall>?) -> Int32 {
        guard let data = data?.pointee, let vectors = data.vecsa else { return 0 }
        let row = points * nodeCount
        values.append(contentsOf: repeatElement(.nan, count: nodeCount))
        points += 1
        for i in 0..<min(Int(data.veccount), vectorNode.count) where vectorNode[i] >= 0 {
            values[row + Int(vectorNode[i])] = vectors[i]?.pointee.creal ?? .nan
        }
        return 0
    }

    /// `i` for a vector named `n<i>` with i < count, else −1.
    private static func nodeIndex(_ name: UnsafeMutablePointer<CChar>, below count: Int) -> Int32 {
        guard UInt8(bitPattern: name[0]) == UInt8(ascii: "n") else { return -1 }
        var value = 0
        var i = 1
        while name[i] != 0 {
            let digit = Int(UInt8(bitPattern: name[i])) - Int(UInt8(ascii: "0"))
            guard (0...9).contains(digit), value < count else { return -1 }
            value = value * 10 + digit
            i += 1
        }
        return i > 1 && value < count ? Int32(value) : -1
    }
}

/// What a transient analysis reports to its driver (``NgspiceEngine/transient(_:observer:)``).
/// Every method is called from inside ngspice, on the thread running the analysis.
protocol TransientObserver: AnyObject {
    /// The plot's vector names (e.g. `time`, `n3`, `vh0#branch`), in the order of ``accept(_:)``'s values.
    func begin(vectors: [String])
    /// One accepted time point: every vector's value, in ``begin(vectors:)``'s order.
    func accept(_ values: [Double])
    /// The value of the `external` source `source` (its lower-case name, a pointer that stays the
    /// same for the circuit's lifetime): volts, or amperes when `current`.
    func externalValue(source: UnsafeMutablePointer<CChar>, current: Bool) -> Double
    /// Before a step from `time`: may shorten `delta`, e.g. to land on a sync point.
    func limitStep(time: Double, delta: inout Double)
}

/// The values `external` sources read during a sweep: per point, one value per source.
private struct ExternalSourceValues {
    private var column: [String: Int] = [:]
    private var values: [[Double]] = []

    init() {}

    init(sources: [String], values: [[Double]]) {
        column = Dictionary(uniqueKeysWithValues: sources.enumerated().map { ($1, $0) })
        self.values = values
    }

    /// Point `point`'s value of `source` (the last point's after the sweep); NaN for a source
    /// outside the table or outside a sweep.
    func value(source: String, point: Int) -> Double {
        guard let j = column[source], !values.isEmpty else { return .nan }
        return values[min(point, values.count - 1)][j]
    }
}

/// A ring of ngspice's output lines, with a running count so that callers can fetch the lines
/// printed since a mark.
private final class OutputLog: @unchecked Sendable {
    private let lock = NSLock()
    private var ring: [String]
    private var appended = 0

    /// Lines appended since the start (a mark for ``lines(since:)``).
    var count: Int { lock.withLock { appended } }

    init(capacity: Int) { ring = [String](repeating: "", count: capacity) }

    func append(_ text: UnsafeMutablePointer<CChar>?, prefix: String?) -> Int32 {
        guard let text else { return 0 }
        append((prefix ?? "") + String(cString: text))
        return 0
    }

    func append(_ line: String) {
        lock.withLock {
            ring[appended % ring.count] = line
            appended += 1
            captured?.append(line)
        }
    }

    /// Lines kept in full between ``startCapture()`` and ``stopCapture()`` (the ring keeps only its capacity).
    private var captured: [String]?

    func startCapture() { lock.withLock { captured = [] } }

    func stopCapture() -> [String] {
        lock.withLock {
            defer { captured = nil }
            return captured ?? []
        }
    }

    func lines(since mark: Int) -> [String] {
        lock.withLock {
            (max(mark, appended - ring.count, 0)..<appended).map { ring[$0 % ring.count] }
        }
    }

    func tail(_ n: Int) -> [String] { lines(since: count - n) }
}

private final class CallRecorder: @unchecked Sendable {
    var calls: [NgspiceCall] = []
}

/// The handlers of the signals ngspice may install, saved before `ngSpice_Init` and restored after.
private struct SignalDispositions {
    private static let signals = [SIGINT, SIGFPE, SIGILL, SIGBUS, SIGSEGV, SIGSYS, SIGTSTP]
    private var saved: [(Int32, sigaction)] = []

    static func current() -> SignalDispositions {
        var result = SignalDispositions()
        for signal in signals {
            var action = sigaction()
            sigaction(signal, nil, &action)
            result.saved.append((signal, action))
        }
        return result
    }

    func restore() {
        for (signal, action) in saved {
            var action = action
            sigaction(signal, &action, nil)
        }
    }
}
