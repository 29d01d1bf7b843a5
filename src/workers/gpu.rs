//! The nonce search on the GPU (WebGPU), driven from wasm: the WGSL kernel
//! in `search.wgsl` over a batch of nonces, the smallest meeting offset
//! kept with an atomic minimum. It finds exactly the nonce the scalar
//! search finds over the same range (the first that meets the target).
//! Works on a page and in a dedicated worker, wherever `navigator.gpu`
//! exists (a secure origin; `http://127.0.0.1` counts).

use js_sys::Uint32Array;
use tabcoin_chain::pow::Midstate;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Gpu, GpuAdapter, GpuAutoLayoutMode, GpuBindGroup, GpuBindGroupDescriptor, GpuBindGroupEntry,
    GpuBuffer, GpuBufferBinding, GpuBufferDescriptor, GpuComputePipeline,
    GpuComputePipelineDescriptor, GpuDevice, GpuProgrammableStage, GpuShaderModuleDescriptor,
    gpu_buffer_usage as usage, gpu_map_mode,
};

/// The kernel.
const SHADER: &str = include_str!("search.wgsl");
/// Invocations per workgroup (the kernel's `@workgroup_size`).
const WORKGROUP: u32 = 64;
/// Most workgroups along one dimension of a dispatch.
const MAX_GROUPS: u32 = 65_535;
/// Most workgroups a batch dispatches (more nonces per invocation beyond).
const MAX_DISPATCH: u32 = 16_384;
/// Words of the kernel's job.
const JOB_WORDS: usize = 26;
/// Most nonces in one batch (offsets stay far from `u32::MAX`).
pub const MAX_BATCH: u32 = 1 << 30;

/// Why the GPU cannot search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpuError {
    /// The browser has no WebGPU (or not in this context).
    NoWebGpu,
    /// WebGPU gave no adapter.
    NoAdapter,
    /// A WebGPU call failed (the device was lost, a buffer could not be
    /// mapped, …).
    Failed(String),
}

impl std::fmt::Display for GpuError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GpuError::NoWebGpu => f.write_str("this browser offers no WebGPU here"),
            GpuError::NoAdapter => f.write_str("WebGPU found no graphics adapter"),
            GpuError::Failed(why) => write!(f, "the GPU stopped: {why}"),
        }
    }
}

fn failed(e: JsValue) -> GpuError {
    GpuError::Failed(
        e.as_string()
            .or_else(|| {
                e.dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
            })
            .unwrap_or_else(|| format!("{e:?}")),
    )
}

/// A device ready to search.
pub struct GpuSearch {
    device: GpuDevice,
    pipeline: GpuComputePipeline,
    job: GpuBuffer,
    found: GpuBuffer,
    read: GpuBuffer,
    bind: GpuBindGroup,
    adapter: String,
    software: bool,
}

/// `navigator.gpu` of the page or of the worker, if there is one.
fn gpu() -> Option<Gpu> {
    let global = js_sys::global();
    let navigator = js_sys::Reflect::get(&global, &"navigator".into()).ok()?;
    let gpu = js_sys::Reflect::get(&navigator, &"gpu".into()).ok()?;
    (!gpu.is_undefined() && !gpu.is_null()).then(|| gpu.unchecked_into())
}

impl GpuSearch {
    /// Opens the default adapter and compiles the kernel.
    pub async fn open() -> Result<GpuSearch, GpuError> {
        let gpu = gpu().ok_or(GpuError::NoWebGpu)?;
        let adapter: GpuAdapter = gpu
            .request_adapter()
            .await
            .map_err(failed)?
            .into_option()
            .ok_or(GpuError::NoAdapter)?;
        let info = adapter.info();
        let software = info.is_fallback_adapter() || info.architecture() == "swiftshader";
        let name = [info.vendor(), info.architecture(), info.description()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let device = adapter.request_device().await.map_err(failed)?;
        let module = device.create_shader_module(&GpuShaderModuleDescriptor::new(SHADER));
        let stage = GpuProgrammableStage::new(&module);
        stage.set_entry_point("search");
        let pipeline = device.create_compute_pipeline(
            &GpuComputePipelineDescriptor::new_with_gpu_auto_layout_mode(
                GpuAutoLayoutMode::Auto,
                &stage,
            ),
        );
        let buffer = |size: u32, use_as: u32| {
            device
                .create_buffer(&GpuBufferDescriptor::new(size, use_as))
                .map_err(failed)
        };
        let job = buffer((JOB_WORDS * 4) as u32, usage::STORAGE | usage::COPY_DST)?;
        let found = buffer(4, usage::STORAGE | usage::COPY_SRC | usage::COPY_DST)?;
        let read = buffer(4, usage::MAP_READ | usage::COPY_DST)?;
        let entries = [
            GpuBindGroupEntry::new_with_gpu_buffer_binding(0, &GpuBufferBinding::new(&job)),
            GpuBindGroupEntry::new_with_gpu_buffer_binding(1, &GpuBufferBinding::new(&found)),
        ];
        let bind = device.create_bind_group(&GpuBindGroupDescriptor::new(
            &entries,
            &pipeline.get_bind_group_layout(0),
        ));
        Ok(GpuSearch {
            device,
            pipeline,
            job,
            found,
            read,
            bind,
            adapter: if name.is_empty() {
                "unnamed adapter".into()
            } else {
                name
            },
            software,
        })
    }

    /// The adapter, as the browser names it (vendor, architecture,
    /// description).
    pub fn adapter(&self) -> &str {
        &self.adapter
    }

    /// Whether the adapter is a software one (a CPU emulation, such as
    /// SwiftShader): right answers, no speed.
    pub fn is_software(&self) -> bool {
        self.software
    }

    /// The first nonce of `first .. first + count` (at most
    /// [`MAX_BATCH`]) whose hash meets the target, as
    /// [`Midstate::search`] finds it.
    pub async fn search(
        &self,
        mid: &Midstate,
        first: u64,
        count: u32,
    ) -> Result<Option<u64>, GpuError> {
        let count = count.min(MAX_BATCH);
        if count == 0 {
            return Ok(None);
        }
        let (state, tail, target) = mid.words();
        // Enough nonces per invocation that a batch takes at most
        // `MAX_DISPATCH` workgroups.
        let per = count.div_ceil(WORKGROUP * MAX_DISPATCH).max(1);
        let groups = count.div_ceil(per).div_ceil(WORKGROUP);
        let x = groups.min(MAX_GROUPS);
        let y = groups.div_ceil(x);
        let mut words = [0u32; JOB_WORDS];
        words[..8].copy_from_slice(&state);
        words[8..13].copy_from_slice(&tail);
        words[13..21].copy_from_slice(&target);
        words[21] = (first >> 32) as u32;
        words[22] = first as u32;
        words[23] = per;
        words[24] = count;
        words[25] = x * WORKGROUP;
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let queue = self.device.queue();
        queue
            .write_buffer_with_u32_and_u8_slice(&self.job, 0, &bytes)
            .map_err(failed)?;
        queue
            .write_buffer_with_u32_and_u8_slice(&self.found, 0, &u32::MAX.to_le_bytes())
            .map_err(failed)?;
        let encoder = self.device.create_command_encoder();
        let pass = encoder.begin_compute_pass();
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, Some(&self.bind));
        pass.dispatch_workgroups_with_workgroup_count_y(x, y);
        pass.end();
        encoder
            .copy_buffer_to_buffer_with_u32_and_u32_and_u32(&self.found, 0, &self.read, 0, 4)
            .map_err(failed)?;
        queue.submit(&[encoder.finish()]);
        self.read
            .map_async(gpu_map_mode::READ)
            .await
            .map_err(failed)?;
        let range = self.read.get_mapped_range().map_err(failed)?;
        let offset = Uint32Array::new(&range).get_index(0);
        self.read.unmap();
        Ok((offset != u32::MAX).then(|| first.wrapping_add(u64::from(offset))))
    }

    /// Destroys the device, as a lost device would be (the fallback's
    /// test).
    pub fn lose(&self) {
        self.device.destroy();
    }
}
