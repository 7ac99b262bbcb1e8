//! mcc's runtime: executes what the compiler planned.
//!
//! The OCI layer and image writer (`mcc build`) and the node-side applier (`mcc apply`) live here;
//! they arrive with the compile/build/apply work. The crate exists now so the workspace layout is the
//! product's from the first commit.
