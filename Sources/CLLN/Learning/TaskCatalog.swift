import Foundation

/// A named task of either kind: tabular (``TabularEnvironment``) or continuous-state
/// (``ContinuousEnvironment``).
public enum LearningTask: Sendable {
    case tabular(any TabularEnvironment)
    case continuous(any ContinuousEnvironment)

    /// Every named task: the paper's two, the grid worlds, and the classic-control tasks.
    public static let names = ["four-state", "navigation"] + GridWorld.names + ["cartpole", "mountaincar"]

    /// The task called `name`; an unknown name is a ``LearningError/invalidTask(_:)`` listing the names.
    public static func named(_ name: String) throws -> LearningTask {
        switch name {
        case "four-state": return .tabular(TableEnvironment.fourState)
        case "navigation": return .tabular(GridNavigation())
        case "cartpole": return .continuous(CartPole())
        case "mountaincar": return .continuous(MountainCar())
        default:
            guard let grid = GridWorld.named(name) else {
                throw LearningError.invalidTask("unknown task \"\(name)\"; use one of \(names.joined(separator: ", "))")
            }
            return .tabular(grid)
        }
    }

    public var name: String {
        switch self {
        case let .tabular(environment): environment.name
        case let .continuous(environment): environment.name
        }
    }

    public var actionCount: Int {
        switch self {
        case let .tabular(environment): environment.actionCount
        case let .continuous(environment): environment.actionCount
        }
    }
}
