//! The rights of the REST API: one per group of operations, seeded in `"RightDefDO"` with
//! impex's negative ids (seed/reference.sql; a test keeps both lists equal).

/// A right (`"RightDefDO"."name"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Right {
    /// Read availability (ATP) of articles.
    AtpRead,
    /// Create, change and delete reservations.
    ReservationWrite,
    /// Read schedules and job runs.
    SchedulesRead,
    /// Trigger, stop and change schedules.
    SchedulesWrite,
    /// Read transmissions.
    TransmissionsRead,
    /// Resend and cancel transmissions.
    TransmissionsWrite,
    /// Create orders and read them.
    OrdersWrite,
    /// Read order states.
    OrderStatesRead,
    /// Create return requests (RMA) and read them.
    RmaWrite,
    /// Read health and metrics.
    HealthRead,
}

impl Right {
    pub const ALL: [Right; 10] = [
        Right::AtpRead,
        Right::ReservationWrite,
        Right::SchedulesRead,
        Right::SchedulesWrite,
        Right::TransmissionsRead,
        Right::TransmissionsWrite,
        Right::OrdersWrite,
        Right::OrderStatesRead,
        Right::RmaWrite,
        Right::HealthRead,
    ];

    /// The `"RightDefDO"."name"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Right::AtpRead => "ATP_READ",
            Right::ReservationWrite => "RESERVATION_WRITE",
            Right::SchedulesRead => "SCHEDULES_READ",
            Right::SchedulesWrite => "SCHEDULES_WRITE",
            Right::TransmissionsRead => "TRANSMISSIONS_READ",
            Right::TransmissionsWrite => "TRANSMISSIONS_WRITE",
            Right::OrdersWrite => "ORDERS_WRITE",
            Right::OrderStatesRead => "ORDER_STATES_READ",
            Right::RmaWrite => "RMA_WRITE",
            Right::HealthRead => "HEALTH_READ",
        }
    }

    /// The seeded `"RightDefDO"."id"`.
    pub fn id(self) -> i64 {
        -(Self::ALL.iter().position(|r| *r == self).unwrap_or(0) as i64 + 1)
    }

    /// The right of a `"RightDefDO"."name"` (exact).
    pub fn parse(name: &str) -> Option<Right> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl std::fmt::Display for Right {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
