//! The sync's progress as an indicatif bar on a terminal (hidden when stderr is not one).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use panopticon::sync::Progress;

pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn new() -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        Bar { bar }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn phase(&self, name: &str, total: Option<u64>) {
        let style = match total {
            Some(_) => ProgressStyle::with_template("{spinner} {msg:<14} [{bar:30}] {pos}/{len} ({eta})"),
            None => ProgressStyle::with_template("{spinner} {msg:<14} {pos} records"),
        }
        .expect("valid template")
        .progress_chars("=> ");
        self.bar.set_style(style);
        self.bar.set_length(total.unwrap_or(0));
        self.bar.set_position(0);
        self.bar.set_message(name.to_string());
        self.bar.enable_steady_tick(std::time::Duration::from_millis(120));
    }

    fn advance(&self, done: u64) {
        self.bar.set_position(done);
    }
}
