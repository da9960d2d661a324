// TensorFlow.js registers gradient functions only on request; both backward passes need them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
