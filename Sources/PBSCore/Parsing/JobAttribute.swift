/// The qstat attributes the parsers keep; everything else is skipped without building a String.
enum JobAttribute {
    case jobID, name, owner, state, queue, substate, exitStatus, execHost
    case walltimeRequested, walltimeUsed
    case ctime, qtime, stime, mtime, obittime, torqueStartTime, torqueCompTime
    case comment, holdTypes, variableList
    /// Torque's `sched_hint` (e.g. a post-job file copy error): the comment when there is none.
    case schedHint
    /// `array = True` (PBS Pro parent), `job_array_request` / `array_indices_submitted` (parents).
    case arrayMarker
    /// `array_id` (PBS Pro subjob: its parent's id).
    case arrayID
    /// `array_index` (PBS Pro subjob) or `job_array_id` (Torque subjob).
    case arrayIndex
    /// Containers in JSON and XML (`Resource_List`, `resources_used`); their `walltime` child is kept.
    case resourceList, resourcesUsed

    /// Classifies a top-level attribute name as printed by `qstat -f` (text keys may be dotted:
    /// `Resource_List.walltime`), in the JSON objects, or as a Torque XML element.
    static func classify(_ key: ByteSlice) -> JobAttribute? {
        switch key.count {
        case 5:
            if key.equals("queue") { return .queue }
            if key.equals("ctime") { return .ctime }
            if key.equals("qtime") { return .qtime }
            if key.equals("mtime") { return .mtime }
            if key.equals("stime") { return .stime }
            if key.equals("array") { return .arrayMarker }
        case 6:
            if key.equals("Job_Id") { return .jobID }
        case 7:
            if key.equals("comment") { return .comment }
        case 8:
            if key.equals("Job_Name") { return .name }
            if key.equals("substate") { return .substate }
            if key.equals("obittime") { return .obittime }
            if key.equals("array_id") { return .arrayID }
        case 9:
            if key.equals("Job_Owner") { return .owner }
            if key.equals("job_state") { return .state }
            if key.equals("exec_host") { return .execHost }
            if key.equals("comp_time") { return .torqueCompTime }
        case 10:
            if key.equals("Hold_Types") { return .holdTypes }
            if key.equals("start_time") { return .torqueStartTime }
            if key.equals("sched_hint") { return .schedHint }
        case 11:
            if key.equals("Exit_status") || key.equals("exit_status") { return .exitStatus }
            if key.equals("array_index") { return .arrayIndex }
        case 12:
            if key.equals("job_array_id") { return .arrayIndex }
        case 13:
            if key.equals("Variable_List") { return .variableList }
            if key.equals("Resource_List") { return .resourceList }
        case 14:
            if key.equals("resources_used") { return .resourcesUsed }
        case 17:
            if key.equals("job_array_request") { return .arrayMarker }
        case 22:
            if key.equals("Resource_List.walltime") { return .walltimeRequested }
        case 23:
            if key.equals("resources_used.walltime") { return .walltimeUsed }
            if key.equals("array_indices_submitted") { return .arrayMarker }
        default:
            break
        }
        return nil
    }
}
