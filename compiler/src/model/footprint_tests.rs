//! What each MachineConfig costs for the whole run: a file of 80,000 small MachineConfigs
//! (15 MB) peaked at 24 times its size, most of it room held per MachineConfig and never used.
//! These count room, not time, so they cannot flake.

use std::mem::size_of;

use crate::model::MachineConfig;
use crate::model::objects::Inputs;
use crate::testing;

/// Every MachineConfig of the inputs is this large in one list, whether or not it sets the rare
/// fields (was 840 bytes: the spec's rarely set strings, the Ignition section's JSON and the
/// Ignition config itself inline; 632 with only the config inline, 336 bytes of it held even by a
/// MachineConfig without one).
#[test]
fn a_machine_config_is_small_before_its_strings() {
    assert!(size_of::<MachineConfig>() <= 320, "{} bytes", size_of::<MachineConfig>());
}

/// A read MachineConfig's labels and kernel arguments have no spare room: collected, a map of one
/// label had room for three and a list of one argument for four, in every MachineConfig.
#[test]
fn labels_and_string_lists_are_sized_to_their_contents() {
    let loaded = testing::load(&[
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: a\n  labels:\n    machineconfiguration.openshift.io/role: worker\nspec:\n  kernelArguments: [a1]\n  extensions: [usbguard, kerberos]\n",
    ]);
    let mc = &loaded.inputs.machine_configs[0];
    let labels = mc.metadata.labels.as_ref().expect("labels");
    assert_eq!((labels.len(), labels.capacity()), (1, 1));
    assert_eq!((mc.spec.kernel_arguments.len(), mc.spec.kernel_arguments.capacity()), (1, 1));
    assert_eq!((mc.spec.extensions.len(), mc.spec.extensions.capacity()), (2, 2));
}

/// A file read ahead hands its objects to inputs that hold none yet as they are: the list is
/// taken, not copied into a second one as large while the first is still held.
#[test]
fn objects_appended_to_none_are_taken_not_copied() {
    let mut ahead = testing::load(&[
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: a\n",
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: b\n",
    ])
    .inputs;
    let list = ahead.machine_configs.as_ptr();
    let mut inputs = Inputs::default();
    inputs.append(std::mem::take(&mut ahead));
    assert_eq!(inputs.machine_configs.as_ptr(), list);
    assert_eq!(inputs.machine_configs.len(), 2);
}
