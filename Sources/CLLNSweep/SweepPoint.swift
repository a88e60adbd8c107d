import CLLN
import CLLNReport
import CLLNRuns
import Foundation
import Yams

/// What a sweep trains: Q-learning presets and config files, or supervised tasks.
public enum SweepFamily: String, Sendable, Codable {
    case qLearning = "q-learning"
    case supervised

    /// The keys of `clln train`'s backend and chip options that a sweep may set or vary.
    public static let backendKeys = ["backend", "model", "bulk", "sigma_vto", "sigma_kp", "chip_seed", "twin", "read_noise"]

    /// The config keys of this family that a sweep may set or vary (the base names the preset or
    /// task): ``ExperimentConfigFile``'s or ``SupervisedConfig``'s keys.
    public var configKeys: [String] {
        switch self {
        case .qLearning: Self.qLearningKeys
        case .supervised: SupervisedConfig.keys.filter { $0 != "task" }
        }
    }

    /// ExperimentConfigFile's keys: its properties in snake case, as its coding keys spell them.
    private static let qLearningKeys: [String] = {
        guard let empty = try? JSONDecoder().decode(ExperimentConfigFile.self, from: Data("{}".utf8)) else { return [] }
        return Mirror(reflecting: empty).children.compactMap(\.label).map { label in
            label.reduce(into: "") { $0 += $1.isUppercase ? "_" + $1.lowercased() : String($1) }
        }.filter { $0 != "preset" }
    }()
}

/// One point of a sweep: a base, a seed, and the settings of `clln train` it runs with.
public struct SweepPoint: Codable, Sendable, Hashable {
    public var index: Int
    /// A preset or task name, or the absolute path of a config file.
    public var base: String
    public var seed: UInt64
    /// The design's values at this point (the varied keys).
    public var parameters: [String: SweepValue]
    /// Every setting: the spec's fixed settings and the design's values.
    public var settings: [String: SweepValue]

    /// The base as a short label (a config file's name without extension).
    public var baseLabel: String {
        base.hasPrefix("/") ? URL(fileURLWithPath: base).deletingPathExtension().lastPathComponent : base
    }

    /// "alpha=0.1, eta=0.05, seed=0".
    public var label: String {
        (parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + ["seed=\(seed)"]).joined(separator: ", ")
    }
}

extension SweepSpec {
    /// Every point: each base × each design point × each seed (seeds vary fastest).
    public func points() -> [SweepPoint] {
        let design = design.generate()
        var points: [SweepPoint] = []
        for base in bases {
            for parameters in design {
                for seed in seeds {
                    points.append(SweepPoint(
                        index: points.count, base: base, seed: seed, parameters: parameters,
                        settings: settings.merging(parameters) { $1 }))
                }
            }
        }
        return points
    }
}

/// A point as a run of the run layer: its trial kind and the backend it runs on.
public enum SweepRun: Sendable {
    case qLearning(QLearningTrial, SolverBackend)
    case supervised(SupervisedTrial, SolverBackend)

    /// Builds `point`'s run through `clln train`'s own config types: the settings (over the base
    /// config file's keys, if any) decode as an ``ExperimentConfigFile`` or a ``SupervisedConfig``;
    /// relative paths resolve against `directory`. Throws ``SweepSpecError/badPoint(index:settings:reason:)``.
    public init(_ point: SweepPoint, family: SweepFamily, directory: String) throws {
        do {
            let backendKeys = Set(SweepFamily.backendKeys)
            var config = try Self.baseConfig(point.base, family: family)
            for (key, value) in point.settings where !backendKeys.contains(key) { config[key] = value }
            let backend = try Self.backend(point.settings)
            let data = try JSONOutput.encode(config)
            switch family {
            case .qLearning:
                let file = try JSONDecoder().decode(ExperimentConfigFile.self, from: data)
                let folder = point.base.hasPrefix("/") ? URL(fileURLWithPath: point.base).deletingLastPathComponent() : URL(fileURLWithPath: directory)
                let experiment = try file.experiment(relativeTo: folder, name: point.baseLabel)
                self = .qLearning(QLearningTrial(experiment: experiment, seed: point.seed), backend)
            case .supervised:
                let task = try JSONDecoder().decode(SupervisedConfig.self, from: data).makeTask()
                self = .supervised(SupervisedTrial(task: task, seed: point.seed), backend)
            }
        } catch let error as DecodingError {
            throw SweepSpecError.badPoint(index: point.index, settings: point.label, reason: Self.describe(error))
        } catch {
            throw SweepSpecError.badPoint(index: point.index, settings: point.label, reason: "\(error)")
        }
    }

    /// Checks the run as the run layer will before its first trial (backend, sizes, optimum).
    public func validate() throws {
        switch self {
        case let .qLearning(trial, backend): try backend.validate(); try trial.validate(on: backend)
        case let .supervised(trial, backend): try backend.validate(); try trial.validate(on: backend)
        }
    }

    /// Runs the point's trials into `folder` and returns the trials that failed.
    public func run(in folder: RunFolder, scheduler: RunScheduler) throws -> [FailedTrial] {
        switch self {
        case let .qLearning(trial, backend): try scheduler.run(trial, on: backend, in: folder).failedTrials
        case let .supervised(trial, backend): try scheduler.run(trial, on: backend, in: folder).failedTrials
        }
    }

    /// The config keys of a base: `preset`/`task` for a name, a config file's own keys for a file.
    static func baseConfig(_ base: String, family: SweepFamily) throws -> [String: SweepValue] {
        guard base.hasPrefix("/") else { return [family == .qLearning ? "preset" : "task": .string(base)] }
        let value = try SweepValueFile.read(base)
        guard case let .object(map) = value else { throw SweepSpecError.unreadable(path: base, reason: "not a mapping of config keys") }
        return map
    }

    /// The backend and chip of a point's settings (`backend`, `model`, `bulk`, `sigma_vto`,
    /// `sigma_kp`, `chip_seed`, `twin`, `read_noise`); absent keys keep `clln train`'s defaults.
    static func backend(_ settings: [String: SweepValue]) throws -> SolverBackend {
        struct Keys: Decodable {
            var backend: SolverBackend.Kind?
            var model: String?
            var bulk: BulkTie?
            var sigma_vto: Double?
            var sigma_kp: Double?
            var chip_seed: UInt64?
            var twin: Bool?
            var read_noise: Double?
        }
        let backendSettings = settings.filter { SweepFamily.backendKeys.contains($0.key) }
        let k = try JSONDecoder().decode(Keys.self, from: try JSONOutput.encode(backendSettings))
        let chip = ChipSpec(sigmaThreshold: k.sigma_vto ?? 0, sigmaGain: k.sigma_kp ?? 0, seed: k.chip_seed ?? 0,
                            twin: k.twin ?? false, readNoise: k.read_noise ?? 0)
        return SolverBackend(kind: k.backend ?? .ideal, model: k.model ?? ModelCard.defaultName, bulk: k.bulk, chip: chip)
    }

    /// "at alpha: expected a number".
    static func describe(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        }
        switch error {
        case let .keyNotFound(key, context): return "missing \(key.stringValue) " + at(context)
        case let .typeMismatch(type, context): return at(context) + " (expected \(type))"
        case let .valueNotFound(_, context), let .dataCorrupted(context): return at(context)
        @unknown default: return "\(error)"
        }
    }
}

/// Reads YAML or JSON files as ``SweepValue``s.
enum SweepValueFile {
    static func read(_ path: String) throws -> SweepValue {
        let text: String
        do { text = try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8) } catch {
            throw SweepSpecError.unreadable(path: path, reason: error.localizedDescription)
        }
        do { return try YAMLDecoder().decode(SweepValue.self, from: text) } catch {
            throw SweepSpecError.unreadable(path: path, reason: "not YAML or JSON (\(error))")
        }
    }
}
