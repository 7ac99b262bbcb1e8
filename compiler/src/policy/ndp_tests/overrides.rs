//! `irreconcilableValidationOverrides`.

use super::*;

#[test]
fn irreconcilable_overrides_storage_is_a_set_of_disks_filesystems_raid() {
    // api:`…/IrreconcilableMachineConfig.yaml`.
    let (loaded, policy) = run(&[&object(
        CLUSTER,
        "irreconcilableValidationOverrides:\n  storage:\n    - Disks\n    - FileSystems\n    - Raid",
    )]);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let values: Vec<_> = policy.irreconcilable_overrides.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(values, ["Disks", "FileSystems", "Raid"]);
    let loaded = refused(
        &[&object(CLUSTER, "irreconcilableValidationOverrides:\n  storage:\n    - Disks\n    - invalid")],
        &[("MCC3114", "invalid")],
    );
    assert_eq!(
        messages(&loaded),
        [
            r#"spec.irreconcilableValidationOverrides.storage[1]: Unsupported value: "invalid": supported values: "Disks", "FileSystems", "Raid", <nil>"#
        ]
    );
    let loaded = refused(
        &[&object(
            CLUSTER,
            "irreconcilableValidationOverrides:\n  storage:\n    - Disks\n    - FileSystems\n    - Disks",
        )],
        &[("MCC3114", "Disks")],
    );
    assert_eq!(messages(&loaded), [r#"spec.irreconcilableValidationOverrides.storage[2]: Duplicate value: "Disks""#]);
}

#[test]
fn irreconcilable_overrides_min_properties_1_and_storage_1_to_3_items() {
    refused(
        &[&object(CLUSTER, "irreconcilableValidationOverrides: {}")],
        &[("MCC3114", "irreconcilableValidationOverrides")],
    );
    refused(&[&object(CLUSTER, "irreconcilableValidationOverrides:\n  storage: []")], &[("MCC3114", "storage")]);
    refused(
        &[&object(CLUSTER, "irreconcilableValidationOverrides:\n  storage: [Disks, Raid, FileSystems, Raid]")],
        &[("MCC3114", "storage"), ("MCC3114", "Raid")],
    );
}
