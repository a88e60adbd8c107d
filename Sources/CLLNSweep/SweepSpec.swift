import CLLN
import Foundation

/// A sweep spec that cannot run: raised while reading it, before any point runs (exit 65).
/// Each message names the key and the fix.
public enum SweepSpecError: InputError, Equatable {
    case unreadable(path: String, reason: String)
    case unknownKey(String, in: String, known: [String])
    case invalid(key: String, problem: String)
    /// A point whose settings `clln train` rejects.
    case badPoint(index: Int, settings: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "cannot read the sweep spec \(path): \(reason)"
        case let .unknownKey(key, context, known):
            "sweep spec: unknown key \"\(key)\" in \(context); use one of: \(known.joined(separator: ", "))"
        case let .invalid(key, problem): "sweep spec: \(key): \(problem)"
        case let .badPoint(index, settings, reason): "sweep spec: point \(index) (\(settings)) cannot run: \(reason)"
        }
    }
}

/// Where the points run: child processes here, or a Slurm job array.
public enum SweepExecutorKind: String, Sendable, Codable, CaseIterable {
    case local, slurm
}

/// The Slurm job array's resources (`slurm:` in a spec; command-line options override them).
public struct SlurmOptions: Sendable, Codable, Hashable {
    /// `--time`, e.g. `01:00:00` (quote it in YAML).
    public var time = "01:00:00"
    public var partition: String?
    /// `--cpus-per-task`: also the parallel trials of each point.
    public var cpusPerTask = 1
    /// `--mem`, e.g. `2G`.
    public var mem = "2G"
    /// The array's `%max`: at most this many points at once (nil: no limit).
    public var maxParallel: Int?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case time, partition, cpusPerTask = "cpus_per_task", mem, maxParallel = "max_parallel"
    }
}

/// A sweep, read and checked: one or more bases (presets, supervised tasks or `clln train` config
/// files), fixed settings, a design over config keys, seeds, the executor and its options.
/// ```yaml
/// base: four-state            # or [four-state, navigation], or a clln train config file
/// trials: 10
/// seeds: [0, 1]
/// executor: local             # local | slurm
/// settings: {steps: 20000}    # fixed config keys of every point
/// design:
///   kind: grid                # grid | random | latin-hypercube
///   parameters: {alpha: [0.1, 0.3], eta: [0.05, 0.1]}
///   # random / latin-hypercube: points: 20, seed: 0, parameters: {alpha: {low: 0.05, high: 1, log: true}}
/// slurm: {time: "00:30:00", partition: short, cpus_per_task: 1, mem: 2G, max_parallel: 50}
/// ```
public struct SweepSpec: Sendable {
    public var name: String
    /// Preset or task names, or absolute paths of config files.
    public var bases: [String]
    public var family: SweepFamily
    public var seeds: [UInt64]
    public var executor: SweepExecutorKind
    /// Fixed settings of every point (with `trials`).
    public var settings: [String: SweepValue]
    public var design: SweepDesign
    public var slurm: SlurmOptions
    /// The spec's folder: relative `topology` and `model` paths resolve against it.
    public var directory: String

    static let topKeys = ["base", "trials", "seeds", "executor", "settings", "design", "slurm"]
    static let designKeys = ["kind", "parameters", "points", "seed"]
    static let rangeKeys = ["low", "high", "log", "integer"]

    /// Reads and checks the spec at `path` (YAML or JSON).
    public static func load(_ path: String) throws -> SweepSpec {
        let url = URL(fileURLWithPath: path)
        let value = try SweepValueFile.read(path)
        return try SweepSpec(value, name: url.deletingPathExtension().lastPathComponent,
                             directory: url.deletingLastPathComponent().standardizedFileURL.path)
    }

    /// Checks a spec given as a value; relative paths resolve against `directory`.
    public init(_ value: SweepValue, name: String, directory: String) throws {
        self.name = name
        self.directory = directory
        let top = try Self.mapping(value, key: "the spec", allowed: Self.topKeys, example: "{base: four-state, design: {...}}")

        // Bases: one family, each resolvable.
        guard let base = top["base"] else {
            throw SweepSpecError.invalid(key: "base", problem: "missing; name a preset or task (\(Self.baseNames)) or a clln train config file, e.g. base: four-state")
        }
        let baseNames: [String]
        switch base {
        case let .string(s): baseNames = [s]
        case let .list(items) where !items.isEmpty:
            baseNames = try items.map {
                guard case let .string(s) = $0 else { throw SweepSpecError.invalid(key: "base", problem: "\($0) is not a name; e.g. base: [four-state, navigation]") }
                return s
            }
        default: throw SweepSpecError.invalid(key: "base", problem: "give a name or a non-empty list of names, e.g. base: four-state")
        }
        let resolved = try baseNames.map { try Self.resolveBase($0, directory: directory) }
        guard let family = resolved.first?.family, resolved.allSatisfy({ $0.family == family }) else {
            throw SweepSpecError.invalid(key: "base", problem: "mixes Q-learning and supervised bases; sweep them separately")
        }
        self.family = family
        bases = resolved.map(\.base)
        let known = family.configKeys + SweepFamily.backendKeys

        seeds = try Self.seeds(top["seeds"])
        executor = try Self.executor(top["executor"])
        slurm = try Self.slurmOptions(top["slurm"])

        settings = [:]
        if let fixed = top["settings"] {
            for (key, value) in try Self.mapping(fixed, key: "settings", allowed: known, example: "settings: {steps: 20000}") {
                settings[key] = try Self.checked(value, key: "settings.\(key)")
            }
        }
        if let trials = top["trials"] {
            guard settings["trials"] == nil else {
                throw SweepSpecError.invalid(key: "trials", problem: "given both at the top and in settings; keep one")
            }
            guard case let .int(n) = trials, n >= 1 else {
                throw SweepSpecError.invalid(key: "trials", problem: "\(trials) is not a whole number ≥ 1; e.g. trials: 10")
            }
            settings["trials"] = .int(n)
        }
        for (key, value) in settings where key == "model" { settings[key] = Self.resolvedPath(value, directory: directory) }

        design = try Self.design(top["design"], known: known, directory: directory)
        let fixedAndVaried = Set(settings.keys).intersection(design.parameters.keys)
        if let key = fixedAndVaried.sorted().first {
            throw SweepSpecError.invalid(key: "design.parameters.\(key)", problem: "also fixed in settings; keep it in one place")
        }
    }

    static var baseNames: String { (ExperimentPresets.names + SupervisedTasks.names).joined(separator: ", ") }

    /// A base's family, and its name or absolute file path.
    static func resolveBase(_ name: String, directory: String) throws -> (base: String, family: SweepFamily) {
        if ExperimentPresets.named(name) != nil { return (name, .qLearning) }
        if SupervisedTasks.names.contains(name) { return (name, .supervised) }
        let path = name.hasPrefix("/") ? name : URL(fileURLWithPath: directory).appendingPathComponent(name).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw SweepSpecError.invalid(key: "base", problem: "\"\(name)\" is neither a preset or task (\(baseNames)) nor a file next to the spec")
        }
        return (path, SupervisedConfig.resolve(path) != nil ? .supervised : .qLearning)
    }

    static func mapping(_ value: SweepValue, key: String, allowed: [String], example: String) throws -> [String: SweepValue] {
        guard case let .object(map) = value else {
            throw SweepSpecError.invalid(key: key, problem: "expected a mapping, e.g. \(example)")
        }
        if let unknown = map.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw SweepSpecError.unknownKey(unknown, in: key, known: allowed)
        }
        return map
    }

    /// `value`, unless it holds a NaN or an infinity.
    static func checked(_ value: SweepValue, key: String) throws -> SweepValue {
        guard !value.isNonFinite else { throw SweepSpecError.invalid(key: key, problem: "\(value) is not a finite number") }
        return value
    }

    /// A model card path relative to the spec, made absolute so that every process finds it.
    static func resolvedPath(_ value: SweepValue, directory: String) -> SweepValue {
        guard case let .string(s) = value, !s.hasPrefix("/") else { return value }
        let path = URL(fileURLWithPath: directory).appendingPathComponent(s).standardizedFileURL.path
        return FileManager.default.fileExists(atPath: path) ? .string(path) : value
    }

    static func seeds(_ value: SweepValue?) throws -> [UInt64] {
        guard let value else { return [0] }
        let items: [SweepValue]
        switch value {
        case let .list(list): items = list
        case .int: items = [value]
        default: items = []
        }
        let seeds = items.compactMap { item -> UInt64? in
            if case let .int(n) = item, n >= 0 { return UInt64(n) }
            return nil
        }
        guard !seeds.isEmpty, seeds.count == items.count else {
            throw SweepSpecError.invalid(key: "seeds", problem: "give a non-empty list of whole numbers ≥ 0, e.g. seeds: [0, 1, 2]")
        }
        guard Set(seeds).count == seeds.count else {
            throw SweepSpecError.invalid(key: "seeds", problem: "lists a seed twice; give each once")
        }
        return seeds
    }

    static func executor(_ value: SweepValue?) throws -> SweepExecutorKind {
        guard let value else { return .local }
        guard case let .string(s) = value, let kind = SweepExecutorKind(rawValue: s) else {
            throw SweepSpecError.invalid(key: "executor", problem: "\"\(value)\" is unknown; use local or slurm")
        }
        return kind
    }

    static func slurmOptions(_ value: SweepValue?) throws -> SlurmOptions {
        var options = SlurmOptions()
        guard let value else { return options }
        let map = try mapping(value, key: "slurm", allowed: SlurmOptions.CodingKeys.allCases.map(\.stringValue),
                              example: "slurm: {time: \"00:30:00\", cpus_per_task: 1}")
        func positive(_ key: String) throws -> Int? {
            guard let v = map[key] else { return nil }
            guard case let .int(n) = v, n >= 1 else { throw SweepSpecError.invalid(key: "slurm.\(key)", problem: "\(v) is not a whole number ≥ 1") }
            return n
        }
        func text(_ key: String) throws -> String? {
            guard let v = map[key] else { return nil }
            guard case let .string(s) = v, !s.isEmpty else {
                throw SweepSpecError.invalid(key: "slurm.\(key)", problem: "\(v) is not text; quote it, e.g. \(key): \"00:30:00\"")
            }
            return s
        }
        options.time = try text("time") ?? options.time
        options.partition = try text("partition")
        options.mem = try text("mem") ?? options.mem
        options.cpusPerTask = try positive("cpus_per_task") ?? options.cpusPerTask
        options.maxParallel = try positive("max_parallel")
        return options
    }

    static func design(_ value: SweepValue?, known: [String], directory: String) throws -> SweepDesign {
        guard let value else { return SweepDesign(kind: .grid, parameters: [:]) }
        let map = try mapping(value, key: "design", allowed: designKeys, example: "design: {kind: grid, parameters: {alpha: [0.1, 0.3]}}")
        let kindNames = SweepDesign.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        guard case let .string(kindName)? = map["kind"], let kind = SweepDesign.Kind(rawValue: kindName) else {
            throw SweepSpecError.invalid(key: "design.kind", problem: "\(map["kind"].map { "\"\($0)\" is unknown" } ?? "missing"); use \(kindNames)")
        }
        var design = SweepDesign(kind: kind, parameters: [:])
        if kind == .grid {
            for key in ["points", "seed"] where map[key] != nil {
                throw SweepSpecError.invalid(key: "design.\(key)", problem: "a grid has every combination; \(key) is for random and latin-hypercube designs")
            }
        } else {
            guard case let .int(n)? = map["points"], n >= 1 else {
                throw SweepSpecError.invalid(key: "design.points", problem: "a \(kindName) design needs a number of points ≥ 1, e.g. points: 20")
            }
            design.points = n
            if let seed = map["seed"] {
                guard case let .int(s) = seed, s >= 0 else { throw SweepSpecError.invalid(key: "design.seed", problem: "\(seed) is not a whole number ≥ 0") }
                design.seed = UInt64(s)
            }
        }
        guard let parameters = map["parameters"] else {
            throw SweepSpecError.invalid(key: "design.parameters", problem: "missing; e.g. parameters: {alpha: [0.1, 0.3]}")
        }
        for (key, domain) in try mapping(parameters, key: "design.parameters", allowed: known, example: "parameters: {alpha: [0.1, 0.3]}") {
            design.parameters[key] = try Self.domain(domain, key: "design.parameters.\(key)", kind: kind, directory: directory)
        }
        guard !design.parameters.isEmpty else {
            throw SweepSpecError.invalid(key: "design.parameters", problem: "is empty; give at least one key, e.g. parameters: {alpha: [0.1, 0.3]}")
        }
        return design
    }

    static func domain(_ value: SweepValue, key: String, kind: SweepDesign.Kind, directory: String) throws -> ParameterDomain {
        switch value {
        case let .list(values):
            guard !values.isEmpty else { throw SweepSpecError.invalid(key: key, problem: "is an empty list; give at least one value, e.g. [0.1, 0.3]") }
            let checkedValues = try values.map { try checked($0, key: key) }
            guard Set(checkedValues).count == checkedValues.count else {
                throw SweepSpecError.invalid(key: key, problem: "lists a value twice; give each once")
            }
            let last = key.split(separator: ".").last.map(String.init)
            return .values(last == "model" ? checkedValues.map { resolvedPath($0, directory: directory) } : checkedValues)
        case let .object(range):
            guard kind != .grid else {
                throw SweepSpecError.invalid(key: key, problem: "a grid needs a list of values, e.g. [0.1, 0.3]; ranges {low, high} are for random and latin-hypercube designs")
            }
            if let unknown = range.keys.sorted().first(where: { !rangeKeys.contains($0) }) {
                throw SweepSpecError.unknownKey(unknown, in: key, known: rangeKeys)
            }
            guard let low = range["low"]?.number, let high = range["high"]?.number else {
                throw SweepSpecError.invalid(key: key, problem: "a range needs numbers low and high, e.g. {low: 0.05, high: 1}")
            }
            guard low.isFinite, high.isFinite else { throw SweepSpecError.invalid(key: key, problem: "low and high must be finite numbers") }
            guard low <= high else { throw SweepSpecError.invalid(key: key, problem: "low \(low) > high \(high); swap them") }
            func flag(_ name: String) throws -> Bool {
                guard let v = range[name] else { return false }
                guard case let .bool(b) = v else { throw SweepSpecError.invalid(key: "\(key).\(name)", problem: "\(v) is not true or false") }
                return b
            }
            let log = try flag("log"), integer = try flag("integer")
            if log, low <= 0 { throw SweepSpecError.invalid(key: key, problem: "a log range needs low > 0 (low is \(low))") }
            if integer, low != low.rounded() || high != high.rounded() {
                throw SweepSpecError.invalid(key: key, problem: "an integer range needs whole low and high (\(low), \(high))")
            }
            return .range(low: low, high: high, log: log, integer: integer)
        default:
            throw SweepSpecError.invalid(key: key, problem: "give a list of values, e.g. [0.1, 0.3]" + (kind == .grid ? "" : ", or a range {low: 0.05, high: 1, log: true}"))
        }
    }
}
